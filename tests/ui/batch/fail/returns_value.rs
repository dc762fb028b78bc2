#[lambda_kit::lambda_handler(sqs)]
async fn place(order: serde_json::Value) -> u32 {
    let _ = order;
    7
}
