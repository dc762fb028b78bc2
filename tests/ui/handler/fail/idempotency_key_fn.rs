// A key function needs the event, goes without a payload path, and must
// take the event's type.
fn order_key(event: &serde_json::Value) -> Option<&str> {
    event["order"]["id"].as_str()
}

#[lambda_kit::lambda_handler(idempotency_key = order_key, idempotency_payload = "order")]
async fn charge() -> &'static str {
    "charged"
}

mod wrong_type {
    fn order_key(id: &u64) -> u64 {
        *id
    }
    #[lambda_kit::lambda_handler(idempotency_key = order_key)]
    async fn charge(event: String) -> String {
        event
    }
}

mod not_a_function {
    #[lambda_kit::lambda_handler(idempotency_key = 42)]
    async fn charge(event: String) -> String {
        event
    }
}
