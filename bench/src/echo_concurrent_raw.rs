//! The `echo` example hand-written on `lambda_runtime::run_concurrent`, for
//! Lambda Managed Instances: with `AWS_LAMBDA_MAX_CONCURRENCY=N` (N > 1) it
//! serves N invocations at once on a multi-thread runtime; unset or 1, one
//! at a time on a current-thread runtime, as lambda-kit does.

use lambda_runtime::{run_concurrent, service_fn, Error, LambdaEvent};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Event {
    key1: Value,
    key2: Value,
    key3: Value,
}

fn main() -> Result<(), Error> {
    runtime()?.block_on(serve())
}

/// `AWS_LAMBDA_MAX_CONCURRENCY`, if above 1.
fn max_concurrency() -> Option<usize> {
    std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 1)
}

/// More worker threads than CPUs, or than invocations in flight, would
/// only add wake-ups across threads.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match max_concurrency() {
        Some(n) => {
            let cpus = std::thread::available_parallelism().map_or(1, usize::from);
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(cpus.min(n));
            builder
        }
        None => tokio::runtime::Builder::new_current_thread(),
    };
    builder.enable_all().build()
}

async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    tracing::info!("Loading function");
    run_concurrent(service_fn(|event: LambdaEvent<Event>| async move {
        let event = event.payload;
        tracing::info!("value1 = {}", plain(&event.key1));
        tracing::info!("value2 = {}", plain(&event.key2));
        tracing::info!("value3 = {}", plain(&event.key3));
        Ok::<_, Error>(event.key1)
    }))
    .await
}

/// Strings print bare, as in examples/echo/src/main.rs.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
