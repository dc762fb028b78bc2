#[derive(serde::Deserialize)]
struct Order {
    id: u64,
}

#[lambda_kit::lambda_handler(sqs)]
async fn place(order: Order, other: Order) {
    let _ = (order.id, other.id);
}
