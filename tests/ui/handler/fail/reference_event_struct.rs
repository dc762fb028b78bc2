#[derive(serde::Deserialize)]
struct Order {
    id: u64,
}

#[lambda_kit::lambda_handler]
async fn handler(order: &Order) -> u64 {
    order.id
}
