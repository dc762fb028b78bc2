//! An HTTP bootstrap for the concurrency tests: `#[lambda_handler(http)]`
//! whose requests can wait until a number of them run at once.

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_kit::http::Json;
use lambda_kit::{lambda_handler, Context};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Notify;

#[derive(Default)]
pub struct State {
    arrived: AtomicUsize,
    changed: Notify,
}

fn setup() -> State {
    State::default()
}

/// `{"id": 3, "gather": 4}`: answered once `gather` requests have arrived.
#[derive(Deserialize)]
pub struct Gather {
    id: u64,
    gather: usize,
}

#[lambda_handler(http, init = setup, concurrent)]
async fn gather(Json(job): Json<Gather>, state: &State, ctx: &Context) -> Json<Value> {
    state.arrived.fetch_add(1, Ordering::SeqCst);
    state.changed.notify_waiters();
    loop {
        let changed = state.changed.notified();
        if state.arrived.load(Ordering::SeqCst) >= job.gather {
            break;
        }
        changed.await;
    }
    Json(json!({"id": job.id, "requestId": ctx.request_id}))
}
