#[lambda_kit::lambda_handler(sqs)]
async fn place(order: serde_json::Value) -> Result<String, lambda_kit::Error> {
    Ok(order.to_string())
}
