#[derive(serde::Deserialize)]
struct Order {
    qty: u32,
}

#[lambda_kit::lambda_handler(dynamodb)]
async fn changed(order: Order) {
    let _ = order.qty;
}
