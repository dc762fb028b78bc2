//! An HTTP bootstrap for the `--serve` shutdown test: a request that takes
//! as long as its query says, and a `shutdown` hook without `init`.

use std::time::Duration;

use lambda_kit::http::Query;
use lambda_kit::lambda_handler;
use serde::Deserialize;

/// `?until=/tmp/file`: works until the file exists (the test creates it
/// once the signal is in).
#[derive(Deserialize)]
struct Work {
    until: String,
}

#[lambda_handler(http, shutdown = teardown)]
async fn slow(Query(work): Query<Work>) -> String {
    // The test waits for this line before it sends the signal.
    tracing::info!("request started");
    while !std::path::Path::new(&work.until).exists() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    "worked until released".to_owned()
}

fn teardown() {
    tracing::info!("teardown ran");
}
