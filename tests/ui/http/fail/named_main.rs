#[lambda_kit::lambda_handler(http)]
async fn main() -> &'static str {
    "Hello World!!"
}
