//! A `router!` bootstrap for the concurrency tests: every route's future is
//! `Send` and the state `Sync`, so it serves invocations at once.

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_kit::http::{router, Json, Path};
use lambda_kit::Context;
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

#[derive(Deserialize)]
pub struct Gather {
    gather: usize,
}

/// Answered once `gather` requests have arrived.
#[lambda_kit::http::post("/gather/{id}")]
async fn gather(
    Path(id): Path<u64>,
    Json(job): Json<Gather>,
    state: &State,
    ctx: &Context,
) -> Json<Value> {
    state.arrived.fetch_add(1, Ordering::SeqCst);
    state.changed.notify_waiters();
    loop {
        let changed = state.changed.notified();
        if state.arrived.load(Ordering::SeqCst) >= job.gather {
            break;
        }
        changed.await;
    }
    Json(json!({"id": id, "requestId": ctx.request_id}))
}

#[lambda_kit::http::get("/ping")]
async fn ping() -> &'static str {
    "pong"
}

router!(init = setup, gather, ping);
