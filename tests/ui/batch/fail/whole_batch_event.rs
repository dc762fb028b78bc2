use lambda_kit::events::SqsEvent;

// A handler of one record never gets the whole batch.
#[lambda_kit::lambda_handler(sqs)]
async fn place(event: SqsEvent) {
    let _ = event;
}
