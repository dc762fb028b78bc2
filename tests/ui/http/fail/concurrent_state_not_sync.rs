use std::cell::RefCell;

pub struct State {
    pub seen: RefCell<Vec<String>>,
}

fn setup() -> State {
    State {
        seen: RefCell::new(Vec::new()),
    }
}

#[lambda_kit::lambda_handler(http, init = setup, concurrent)]
async fn handler(state: &State) -> String {
    state.seen.borrow_mut().push("hit".to_owned());
    state.seen.borrow().len().to_string()
}
