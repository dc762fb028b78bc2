#[lambda_kit::lambda_handler]
async fn handler(name: String, age: u32) -> String {
    format!("{name} {age}")
}
