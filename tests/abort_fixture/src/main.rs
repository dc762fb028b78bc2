//! Panics on demand: `{"action": "panic", "message": "..."}`; counts the
//! invocations of this process otherwise.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_kit::lambda_handler;
use serde::Deserialize;
use serde_json::{json, Value};

static INVOCATIONS: AtomicU64 = AtomicU64::new(0);

#[derive(Deserialize)]
struct Command {
    action: String,
    #[serde(default)]
    message: String,
}

#[lambda_handler]
async fn abort_fixture(command: Command) -> Value {
    let count = INVOCATIONS.fetch_add(1, Ordering::Relaxed) + 1;
    if command.action == "panic" {
        panic!("{}", command.message);
    }
    json!({ "count": count })
}
