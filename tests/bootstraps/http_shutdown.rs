//! An HTTP bootstrap for the `--serve` shutdown test: a request that takes
//! as long as its query says, and a `shutdown` hook without `init`.

use std::time::Duration;

use lambda_kit::http::Query;
use lambda_kit::lambda_handler;
use serde::Deserialize;

#[derive(Deserialize)]
struct Work {
    work_ms: u64,
}

#[lambda_handler(http, shutdown = teardown)]
async fn slow(Query(work): Query<Work>) -> String {
    // The test waits for this line before it sends the signal.
    tracing::info!("request started");
    tokio::time::sleep(Duration::from_millis(work.work_ms)).await;
    format!("worked {} ms", work.work_ms)
}

fn teardown() {
    tracing::info!("teardown ran");
}
