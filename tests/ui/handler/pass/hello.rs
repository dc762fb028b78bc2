use lambda_kit::lambda_handler;

#[lambda_handler]
async fn hello() -> &'static str {
    "Hello World!!"
}
