//! Event decoding: JSON to the handler's event type, with a
//! `Runtime.UnmarshalError` naming the offending field when it does not fit.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

use crate::Diagnostic;

/// The `errorType` of an event that does not decode.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";

/// An event as decoded from an invocation: the value, or the error
/// document to answer with instead of calling the handler.
///
/// `lambda_runtime` deserializes the payload into this type. Failing here
/// instead of there keeps its error (a mangled Rust type name) out of the
/// response. It only captures the payload as raw JSON (one scan, no
/// per-field work); [`decode`] then parses it without path tracking and
/// pays for tracking only to explain a failure.
pub struct Decoded<T>(pub Result<T, Diagnostic>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Decoded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Decoded(match Box::<RawValue>::deserialize(deserializer) {
            Ok(raw) => decode(raw.get().as_bytes()),
            Err(err) => Err(unmarshal_error(err.to_string())),
        }))
    }
}

fn unmarshal_error(error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: UNMARSHAL_ERROR.to_owned(),
        error_message,
    }
}

/// Decodes a JSON event exactly as a bootstrap does. A failure is a
/// `Runtime.UnmarshalError` whose message starts with the path of the
/// offending field (`items[1].name: invalid type: ...`).
pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<T, Diagnostic> {
    serde_json::from_slice(json).map_err(|_| explain::<T>(json))
}

/// The slow path: parse again, tracking where the failure happens.
fn explain<T: DeserializeOwned>(json: &[u8]) -> Diagnostic {
    let mut de = serde_json::Deserializer::from_slice(json);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => err,
        // The value fits; what failed is the rest of the document.
        Ok(_) => {
            let trailing = de.end().err();
            return unmarshal_error(
                trailing.map_or_else(|| "the event does not decode".to_owned(), |e| e.to_string()),
            );
        }
    };
    let path = err.path().to_string();
    unmarshal_error(if path == "." {
        err.inner().to_string()
    } else {
        format!("{path}: {}", err.inner())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Event {
        key1: String,
        nested: Nested,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Nested {
        items: Vec<u32>,
    }

    #[test]
    fn decodes_valid_events() {
        let event: Event = decode(br#"{"key1":"a","nested":{"items":[1,2]}}"#).unwrap();
        assert_eq!(event.nested.items, vec![1, 2]);
        let v: serde_json::Value = decode(b"[1, \"x\", null]").unwrap();
        assert_eq!(v, serde_json::json!([1, "x", null]));
    }

    #[test]
    fn error_names_the_field_path() {
        let err = decode::<Event>(br#"{"key1":1,"nested":{"items":[]}}"#).unwrap_err();
        assert_eq!(err.error_type, "Runtime.UnmarshalError");
        assert!(
            err.error_message
                .starts_with("key1: invalid type: integer `1`, expected a string"),
            "{}",
            err.error_message
        );
        let err = decode::<Event>(br#"{"key1":"a","nested":{"items":[1,"two"]}}"#).unwrap_err();
        assert!(
            err.error_message
                .starts_with("nested.items[1]: invalid type: string"),
            "{}",
            err.error_message
        );
    }

    /// Exactly how `lambda_runtime` feeds the payload to `Decoded`.
    fn through_runtime<T: DeserializeOwned>(json: &[u8]) -> Result<T, Diagnostic> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let decoded: Decoded<T> =
            serde_path_to_error::deserialize(&mut de).expect("Decoded never fails");
        decoded.0
    }

    #[test]
    fn the_runtime_path_decodes_and_explains_the_same_way() {
        let event: Event = through_runtime(br#"{"key1":"a","nested":{"items":[3]}}"#).unwrap();
        assert_eq!(event.nested.items, vec![3]);
        let err =
            through_runtime::<Event>(br#"{"key1":"a","nested":{"items":[1,"two"]}}"#).unwrap_err();
        assert_eq!(err.error_type, UNMARSHAL_ERROR);
        assert!(
            err.error_message
                .starts_with("nested.items[1]: invalid type: string"),
            "{}",
            err.error_message
        );
        let err = through_runtime::<Event>(b"{not json").unwrap_err();
        assert_eq!(err.error_type, UNMARSHAL_ERROR);
        assert!(
            err.error_message.contains("key must be a string"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn missing_fields_and_bad_json_are_unmarshal_errors() {
        let err = decode::<Event>(br#"{"key1":"a"}"#).unwrap_err();
        assert!(
            err.error_message.starts_with("missing field `nested`"),
            "{}",
            err.error_message
        );
        let err = decode::<Event>(b"{not json").unwrap_err();
        assert_eq!(err.error_type, UNMARSHAL_ERROR);
        let err = decode::<serde_json::Value>(b"{} trailing").unwrap_err();
        assert_eq!(err.error_type, UNMARSHAL_ERROR);
        assert!(
            err.error_message.contains("trailing characters"),
            "{}",
            err.error_message
        );
    }
}
