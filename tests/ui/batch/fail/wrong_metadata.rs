use lambda_kit::events::SqsMessage;

#[lambda_kit::lambda_handler(kinesis)]
async fn readings(data: Vec<u8>, record: &SqsMessage) {
    let _ = (data, record);
}
