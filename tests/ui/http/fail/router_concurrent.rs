//! `router!(concurrent, ..)` refuses a state that is not `Sync` (at `init`)
//! and a route whose future is not `Send` (at that route).
use std::cell::RefCell;
use std::rc::Rc;

use lambda_kit::http::{get, router};

pub struct State {
    seen: RefCell<u64>,
}

fn setup() -> State {
    State {
        seen: RefCell::new(0),
    }
}

#[get("/seen")]
async fn seen(state: &State) -> String {
    state.seen.borrow().to_string()
}

#[get("/local")]
async fn local() -> String {
    let shared = Rc::new("local".to_owned());
    tokio::task::yield_now().await;
    shared.to_string()
}

router!(init = setup, concurrent, seen, local);
