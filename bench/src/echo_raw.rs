//! The `echo` example hand-written on `lambda_runtime::run(service_fn(...))`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
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

/// `#[tokio::main]` (multi-thread, the documented way) unless
/// `BENCH_FLAVOR=current_thread` asks for the runtime lambda-kit uses.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match std::env::var("BENCH_FLAVOR").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build()
}

async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    tracing::info!("Loading function");
    run(service_fn(|event: LambdaEvent<Event>| async move {
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
