//! The documented event-echo handler: logs `Loading function` once per cold
//! start, logs the three values of the event and returns the first.
//!
//! `cargo run --bin echo -- '{"key1":"value1","key2":"value2","key3":"value3"}'`

use lambda_kit::lambda_handler;
use serde::Deserialize;
use serde_json::Value;

/// The console's "hello-world" test event. Values may be any JSON; a
/// missing key is a `Runtime.UnmarshalError` naming it, not a panic.
#[derive(Debug, Deserialize)]
pub struct Event {
    key1: Value,
    key2: Value,
    key3: Value,
}

/// Runs once per cold start, before the first event.
fn setup() {
    tracing::info!("Loading function");
}

#[lambda_handler(init = setup)]
async fn echo(event: Event) -> Value {
    tracing::info!("value1 = {}", plain(&event.key1));
    tracing::info!("value2 = {}", plain(&event.key2));
    tracing::info!("value3 = {}", plain(&event.key3));
    event.key1
    // raise Exception('Something went wrong'): see the `fail` example.
}

/// Strings print bare, as Python's `print` shows them; anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn returns_key1() {
        let event: Event =
            lambda_kit::decode_event(br#"{"key1":"value1","key2":"value2","key3":"value3"}"#)
                .unwrap();
        assert_eq!(echo(event).await, json!("value1"));
    }

    #[test]
    fn a_missing_key_is_named() {
        let err =
            lambda_kit::decode_event::<Event>(br#"{"key1":"value1","key2":"value2"}"#).unwrap_err();
        assert_eq!(err.error_type, "Runtime.UnmarshalError");
        assert!(
            err.error_message.contains("missing field `key3`"),
            "{}",
            err.error_message
        );
    }
}
