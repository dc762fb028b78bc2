#[derive(serde::Deserialize)]
struct Order {
    id: u64,
}

struct State {
    prefix: String,
}

fn setup() -> State {
    State {
        prefix: "order".into(),
    }
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler(order: Order, state: State) -> String {
    format!("{} {}", state.prefix, order.id)
}
