//! A bootstrap for the deadline tests: a handler that sleeps past its
//! deadline on command, and one that queries the database named by
//! `DATABASE_URL` (which the tests point at a proxy they can silence).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lambda_kit::{lambda_handler, rds, rds_query, Context, ContextExt, Error};
use serde::Deserialize;
use serde_json::{json, Value};

/// Built once per cold start.
struct State {
    invocations: AtomicU64,
}

async fn setup() -> State {
    tracing::info!("deadline fixture initialised");
    State {
        invocations: AtomicU64::new(0),
    }
}

/// `{"action": "sleep", "ms": 60000}`, `{"action": "query"}`,
/// `{"action": "rows"}` (a result of about a megabyte),
/// `{"action": "tx_rows"}` (the same in a transaction from `rds::begin()`),
/// `{"action": "count"}`.
#[derive(Deserialize)]
struct Command {
    action: Action,
    #[serde(default)]
    ms: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Sleep,
    Query,
    Rows,
    TxRows,
    Count,
}

#[rds_query("SELECT CONNECTION_ID()")]
async fn connection_id() -> Result<u64, rds::Error>;

/// A result too big for one read: a connection that goes silent after its
/// first bytes leaves the result half read.
#[rds_query(
    "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) \
     SELECT REPEAT('x', 1000) FROM s"
)]
async fn rows() -> Result<Vec<String>, rds::Error>;

#[rds_query(
    "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) \
     SELECT REPEAT('x', 1000) FROM s"
)]
async fn rows_in(tx: &mut rds::Transaction<'_>) -> Result<Vec<String>, rds::Error>;

#[lambda_handler(init = setup)]
async fn deadline_fixture(state: &State, command: Command, ctx: &Context) -> Result<Value, Error> {
    let count = state.invocations.fetch_add(1, Ordering::SeqCst) + 1;
    let pid = std::process::id();
    let budget_ms = ctx.budget().as_millis() as u64;
    let remaining_ms = ctx.remaining().as_millis() as u64;
    match command.action {
        Action::Sleep => {
            tokio::time::sleep(Duration::from_millis(command.ms)).await;
            Ok(json!({"slept": command.ms}))
        }
        Action::Query => {
            Ok(json!({"connection": connection_id().await?, "pid": pid, "count": count}))
        }
        Action::Rows => Ok(json!({"rows": rows().await?.len()})),
        Action::TxRows => {
            let mut tx = rds::begin().await?;
            let rows = rows_in(&mut tx).await?.len();
            tx.commit().await?;
            Ok(json!({"rows": rows}))
        }
        Action::Count => Ok(json!({
            "count": count,
            "pid": pid,
            "budget_ms": budget_ms,
            "remaining_ms": remaining_ms,
        })),
    }
}
