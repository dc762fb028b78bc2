use lambda_kit::events::SqsMessage;

// The metadata by value would decode the body into an empty `SqsMessage`.
#[lambda_kit::lambda_handler(sqs)]
async fn place(message: SqsMessage) {
    let _ = message;
}
