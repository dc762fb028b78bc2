// An HTTP handler is keyed by its Idempotency-Key header.
#[lambda_kit::lambda_handler(http, idempotency_key = "order.id", idempotency_payload = "order")]
async fn create(body: String) -> String {
    body
}
