// A type inside the event's type: reported once, at the event's type.
struct Order {
    id: u64,
}

#[lambda_kit::lambda_handler]
async fn handler(orders: Vec<Order>) -> usize {
    orders.len()
}
