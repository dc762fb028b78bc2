use lambda_kit::events::SqsMessage;

#[lambda_kit::lambda_handler(sqs)]
async fn place(body: String, first: &SqsMessage, second: &SqsMessage) {
    let _ = (body, first, second);
}
