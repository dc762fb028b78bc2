//! `echo` hand-written on `lambda_runtime::run(service_fn(...))`.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Event {
    key1: Value,
    key2: Value,
    key3: Value,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    tracing::info!("Loading function");
    run(service_fn(|event: LambdaEvent<Event>| async move {
        let event = event.payload;
        tracing::info!("value1 = {}", event.key1);
        tracing::info!("value2 = {}", event.key2);
        tracing::info!("value3 = {}", event.key3);
        Ok::<_, Error>(event.key1)
    }))
    .await
}
