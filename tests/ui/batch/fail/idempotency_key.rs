// A DynamoDB Streams record is keyed by its eventID; a path key needs the
// record's payload.
mod streams {
    use lambda_kit::events::Change;
    #[lambda_kit::lambda_handler(dynamodb, idempotency_key = "id")]
    async fn on_change(change: Change<serde_json::Value>) {
        let _ = change;
    }
}

mod no_payload {
    #[lambda_kit::lambda_handler(sqs, idempotency_key = "order.id")]
    async fn place(message: &lambda_kit::events::SqsMessage) {
        let _ = message;
    }
}

fn main() {}

mod payload_of_ids {
    // Records keyed by their ids need no payload check.
    #[lambda_kit::lambda_handler(sqs, idempotent, idempotency_payload = "order")]
    async fn place(order: serde_json::Value) {
        let _ = order;
    }
}
