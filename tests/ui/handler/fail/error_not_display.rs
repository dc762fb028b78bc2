#[derive(Debug)]
struct Oops;

#[lambda_kit::lambda_handler]
async fn handler() -> Result<String, Oops> {
    Err(Oops)
}
