use lambda_kit::http::Json;

#[derive(Debug)]
struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

#[lambda_kit::lambda_handler(http)]
async fn handler() -> Result<Json<u64>, MyError> {
    Err(MyError)
}
