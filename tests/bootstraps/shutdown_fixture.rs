//! A bootstrap for the shutdown tests: a handler that takes as long as the
//! event says (so a signal can arrive mid-invocation), optionally using
//! the process-wide database pool, and a `shutdown` hook that logs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lambda_kit::{lambda_handler, rds, rds_query, Error};
use serde::Deserialize;
use serde_json::{json, Value};

struct State {
    invocations: AtomicU64,
}

fn setup() -> State {
    State {
        invocations: AtomicU64::new(0),
    }
}

/// `{"work_ms": 300, "query": true}`, or `{"until": "/tmp/file"}`.
#[derive(Deserialize)]
struct Work {
    #[serde(default)]
    work_ms: u64,
    /// Works until this file exists (tests create it once the signal is in).
    until: Option<String>,
    #[serde(default)]
    query: bool,
}

#[rds_query("SELECT CONNECTION_ID()")]
async fn connection_id() -> Result<u64, rds::Error>;

#[lambda_handler(init = setup, shutdown = teardown)]
async fn handler(work: Work, state: &State) -> Result<Value, Error> {
    state.invocations.fetch_add(1, Ordering::Relaxed);
    let connection = if work.query {
        Some(connection_id().await?)
    } else {
        None
    };
    // Tests wait for this line before they send the signal.
    tracing::info!("handler started");
    match &work.until {
        Some(path) => {
            while !std::path::Path::new(path).exists() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        None => tokio::time::sleep(Duration::from_millis(work.work_ms)).await,
    }
    Ok(json!({"worked_ms": work.work_ms, "connection": connection}))
}

async fn teardown(state: &State) {
    tracing::info!(
        "teardown ran after {} invocation(s)",
        state.invocations.load(Ordering::Relaxed)
    );
}
