use lambda_kit::events::SqsMessage;

#[lambda_kit::lambda_handler]
async fn place(message: &SqsMessage) {
    let _ = message;
}
