//! An idempotent handler for the end-to-end tests (tests/idempotency_e2e.rs):
//! keyed by the event's `id`, its `payload` checked on repeats. Every run
//! inserts a row into `effects` first, so a test counts on the server how
//! often the handler really ran; then it does what `then` says:
//!
//! - `ok` (the default): answers `{"key", "effect", "pid"}`, the effect's
//!   row id and this process's id, so a replayed answer is told from a new
//!   one;
//! - `fail`: returns an error; `panic`: panics;
//! - `big`: answers a JSON string of `size` `x`s (`size + 2` bytes);
//! - `block`: waits for the MariaDB named lock `lock`, which the test holds
//!   from its own connection, so a run stays in progress until the test
//!   lets it go (it shows as a session in state `User lock`);
//! - `hang`: never finishes (the bootstrap cuts it at the deadline).

use lambda_kit::{lambda_handler, rds, rds_query, Error};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct Action {
    /// The idempotency key; optional here so that an event without it
    /// decodes and reaches the key check.
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    then: Then,
    #[serde(default)]
    lock: String,
    #[serde(default)]
    size: usize,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Then {
    #[default]
    Ok,
    Fail,
    Panic,
    Big,
    Block,
    Hang,
}

#[rds_query("INSERT INTO effects (idem_key, action, pid) VALUES (:key, :action, :pid)")]
async fn record_effect(key: &str, action: &str, pid: u32) -> Result<rds::Exec, rds::Error>;

/// Waits up to five minutes for the lock (or until the invocation's
/// deadline), then lets it go at once (one statement: the pooled session
/// keeps no lock between invocations).
#[rds_query("SELECT GET_LOCK(:name, 300), RELEASE_LOCK(:name)")]
async fn pass_gate(name: &str) -> Result<(Option<i64>, Option<i64>), rds::Error>;

#[lambda_handler(idempotency_key = "id", idempotency_payload = "payload")]
async fn act(event: Action) -> Result<Value, Error> {
    let key = event.id.as_ref().map(Value::to_string).unwrap_or_default();
    let pid = std::process::id();
    let effect = record_effect(&key, &format!("{:?}", event.then), pid)
        .await?
        .last_insert_id
        .unwrap_or_default();
    lambda_kit::tracing::info!(key, effect, "ran the handler");
    match event.then {
        Then::Ok => {}
        Then::Fail => return Err(Error::msg(format!("declined {key}"))),
        Then::Panic => panic!("panicked on {key}"),
        Then::Big => return Ok(Value::String("x".repeat(event.size))),
        Then::Block => {
            let (got, _) = pass_gate(&event.lock).await?;
            if got != Some(1) {
                return Err(Error::msg(format!("lock {} not granted", event.lock)));
            }
        }
        Then::Hang => std::future::pending::<()>().await,
    }
    Ok(json!({ "key": key, "effect": effect, "pid": pid }))
}
