#[lambda_kit::lambda_handler]
async fn main() -> &'static str {
    "Hello World!!"
}
