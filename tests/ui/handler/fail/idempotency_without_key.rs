// A payload check or a table without a key, and a key that is no string.
#[lambda_kit::lambda_handler(idempotency_payload = "order", idempotency_table = "t")]
async fn charge(event: serde_json::Value) -> serde_json::Value {
    event
}

mod not_a_string {
    #[lambda_kit::lambda_handler(idempotency_key = order.id)]
    async fn charge(event: serde_json::Value) -> serde_json::Value {
        event
    }
}
