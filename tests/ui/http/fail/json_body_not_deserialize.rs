use lambda_kit::http::Json;

struct Order {
    id: u64,
}

#[lambda_kit::lambda_handler(http)]
async fn handler(Json(order): Json<Order>) -> String {
    order.id.to_string()
}
