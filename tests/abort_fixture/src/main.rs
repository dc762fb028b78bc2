//! Panics on demand: `{"action": "panic", "message": "..."}`; counts the
//! invocations of this process otherwise. Run concurrently, `"wait"` logs
//! that it waits, then panics once an `"arrive"` invocation (which never
//! ends) has started after it.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_kit::lambda_handler;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Notify;

static INVOCATIONS: AtomicU64 = AtomicU64::new(0);
static ARRIVED: Notify = Notify::const_new();

#[derive(Deserialize)]
struct Command {
    action: String,
    #[serde(default)]
    message: String,
}

#[lambda_handler]
async fn abort_fixture(command: Command) -> Value {
    let count = INVOCATIONS.fetch_add(1, Ordering::Relaxed) + 1;
    match command.action.as_str() {
        "panic" => panic!("{}", command.message),
        "wait" => {
            lambda_kit::tracing::info!("waiting for another invocation");
            ARRIVED.notified().await;
            panic!("{}", command.message)
        }
        "arrive" => {
            ARRIVED.notify_one();
            std::future::pending::<()>().await;
        }
        _ => {}
    }
    json!({ "count": count })
}
