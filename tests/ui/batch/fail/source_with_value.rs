#[lambda_kit::lambda_handler(sqs = "orders")]
async fn place(body: String) {
    let _ = body;
}
