#[derive(serde::Deserialize)]
struct Order {
    id: u64,
}

struct AppState {
    prefix: String,
}

fn setup() -> AppState {
    AppState {
        prefix: "order".into(),
    }
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler(app: AppState, order: Order) -> String {
    format!("{} {}", app.prefix, order.id)
}
