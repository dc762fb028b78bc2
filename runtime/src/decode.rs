//! Event decoding: JSON to the handler's event type, with a
//! `Runtime.UnmarshalError` naming the offending field when it does not fit.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use crate::Diagnostic;

/// The `errorType` of an event that does not decode.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";

/// An event as decoded in the single pass over the payload: the value, or
/// the error document to answer with instead of calling the handler.
///
/// `lambda_runtime` decodes the payload into this type; failing here
/// instead of there keeps its error (a mangled Rust type name) out of the
/// response without a second parse of the body.
pub struct Decoded<T>(pub Result<T, Diagnostic>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Decoded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Decoded(
            serde_path_to_error::deserialize(deserializer).map_err(|err| unmarshal_error(&err)),
        ))
    }
}

fn unmarshal_error<E: std::fmt::Display>(err: &serde_path_to_error::Error<E>) -> Diagnostic {
    let path = err.path().to_string();
    let error_message = if path == "." {
        err.inner().to_string()
    } else {
        format!("{path}: {}", err.inner())
    };
    Diagnostic {
        error_type: UNMARSHAL_ERROR.to_owned(),
        error_message,
    }
}

/// Decodes a whole JSON document (local mode and tests) exactly as the
/// Lambda path does, also rejecting trailing garbage.
pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let decoded = Decoded::<T>::deserialize(&mut de).expect("Decoded never fails");
    let value = decoded.0?;
    de.end().map_err(|err| Diagnostic {
        error_type: UNMARSHAL_ERROR.to_owned(),
        error_message: err.to_string(),
    })?;
    Ok(value)
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
