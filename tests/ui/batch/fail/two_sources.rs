#[lambda_kit::lambda_handler(sqs, kinesis)]
async fn place(body: String) {
    let _ = body;
}
