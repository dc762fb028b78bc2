//! The documented note that an event may be any JSON value: accepts
//! whatever arrives and reports which kind it was.
//!
//! `cargo run --bin any_event -- '[1, 2]'` prints `{"kind":"array","event":[1,2]}`.

use lambda_kit::lambda_handler;
use serde::Serialize;
use serde_json::Value;

/// What the handler saw.
#[derive(Debug, PartialEq, Serialize)]
pub struct Report {
    kind: &'static str,
    event: Value,
}

#[lambda_handler]
fn any_event(event: Value) -> Report {
    let kind = match &event {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    };
    Report { kind, event }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_every_kind() {
        let cases = [
            (json!({"a": 1}), "object"),
            (json!([1, 2]), "array"),
            (json!("text"), "string"),
            (json!(42), "integer"),
            (json!(-7), "integer"),
            (json!(2.5), "float"),
            (json!(true), "boolean"),
            (Value::Null, "null"),
        ];
        for (event, kind) in cases {
            assert_eq!(any_event(event.clone()), Report { kind, event });
        }
    }
}
