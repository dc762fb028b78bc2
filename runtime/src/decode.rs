//! Event decoding: JSON to the handler's event type, with a
//! `Runtime.UnmarshalError` naming the offending field when it does not fit.
//! Under Lambda it runs in [`crate::layers::DecodeFirst`]; local mode and
//! the local HTTP server call it directly.

use serde::de::DeserializeOwned;

use crate::Diagnostic;

/// The `errorType` of an event that does not decode into the handler's
/// event type; the handler is not called.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";

fn unmarshal_error(error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: UNMARSHAL_ERROR.to_owned(),
        error_message,
    }
}

/// Decodes a JSON event exactly as a bootstrap does, for unit tests of
/// event types. A failure is the `Runtime.UnmarshalError` document Lambda
/// would receive, whose message starts with the path of the offending field
/// (`items[1].name: invalid type: ...`).
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Order { items: Vec<Item> }
/// #[derive(Debug, serde::Deserialize)]
/// struct Item { name: String }
///
/// let err = lambda_kit::decode_event::<Order>(br#"{"items": [{"name": "a"}, {"name": 2}]}"#)
///     .unwrap_err();
/// assert_eq!(err.error_type, lambda_kit::UNMARSHAL_ERROR);
/// assert!(err.error_message.starts_with("items[1].name: invalid type"));
/// ```
pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<T, Diagnostic> {
    serde_json::from_slice(json).map_err(|_| explain::<T>(json))
}

/// The slow path: parse again, tracking where the failure happens.
pub(crate) fn explain<T: DeserializeOwned>(json: &[u8]) -> Diagnostic {
    let (path, problem) = locate::<T>(json);
    unmarshal_error(match path {
        Some(path) => format!("{path}: {problem}"),
        None => problem,
    })
}

/// Where in the document decoding fails (`None`: at its root or outside
/// any value), and why.
fn locate<T: DeserializeOwned>(json: &[u8]) -> (Option<serde_path_to_error::Path>, String) {
    let mut de = serde_json::Deserializer::from_slice(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => {
            let problem = err.inner().to_string();
            let path = err.path().clone();
            (path.iter().next().is_some().then_some(path), problem)
        }
        // The value fits; what failed is the rest of the document.
        Ok(_) => {
            let trailing = de.end().err();
            (
                None,
                trailing.map_or_else(|| "the event does not decode".to_owned(), |e| e.to_string()),
            )
        }
    }
}

#[cfg(test)]
mod props;

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
