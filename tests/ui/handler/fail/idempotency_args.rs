// Every mistake in the idempotency arguments at once, each at its token.
#[lambda_kit::lambda_handler(
    idempotent,
    idempotency_key = "order..id",
    idempotency_payload = "order[x]",
    idempotency_table = "charges idempotency"
)]
async fn charge(event: serde_json::Value) -> serde_json::Value {
    event
}
