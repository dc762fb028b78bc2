//! `echo` through `#[lambda_handler]` (same body as examples/echo.rs).

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Event {
    key1: Value,
    key2: Value,
    key3: Value,
}

fn setup() {
    tracing::info!("Loading function");
}

#[lambda_kit::lambda_handler(init = setup)]
async fn echo(event: Event) -> Value {
    tracing::info!("value1 = {}", event.key1);
    tracing::info!("value2 = {}", event.key2);
    tracing::info!("value3 = {}", event.key3);
    event.key1
}
