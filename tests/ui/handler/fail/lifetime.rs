struct State;

fn setup() -> State {
    State
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler<'a>(state: &'a State) {
    let _ = state;
}
