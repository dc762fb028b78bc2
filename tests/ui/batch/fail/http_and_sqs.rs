#[lambda_kit::lambda_handler(http, sqs)]
async fn place(body: String) {
    let _ = body;
}
