#[lambda_kit::lambda_handler]
async fn handler(name: &str) -> String {
    name.to_uppercase()
}
