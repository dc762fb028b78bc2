//! Event decoding: JSON to the handler's event type, with a
//! `Runtime.UnmarshalError` naming the offending field when it does not fit.

use std::cell::Cell;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, IgnoredAny};

use crate::Diagnostic;

/// The `errorType` of an event that does not decode.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";

/// The event of the invocation in flight: put by [`DecodeFirst`], taken by
/// the handler service.
pub(crate) type EventSlot<E> = Rc<Cell<Option<Result<E, Diagnostic>>>>;

/// Decodes each invocation's payload before `lambda_runtime` does.
///
/// `lambda_runtime` would deserialize the payload through
/// `serde_path_to_error` (tracking every field) and report a failure with a
/// mangled Rust type name. Instead this layer parses the received bytes
/// once, without path tracking ([`decode`]), leaves the outcome in the
/// slot the handler service reads, and hands `lambda_runtime` a `null`
/// payload ([`Predecoded`]) that costs nothing to deserialize.
pub(crate) struct DecodeFirst<E> {
    slot: EventSlot<E>,
}

impl<E> DecodeFirst<E> {
    pub(crate) fn new(slot: EventSlot<E>) -> Self {
        Self { slot }
    }
}

impl<E, S> Layer<S> for DecodeFirst<E> {
    type Service = DecodeFirstService<E, S>;

    fn layer(&self, inner: S) -> Self::Service {
        DecodeFirstService {
            inner,
            slot: self.slot.clone(),
        }
    }
}

/// See [`DecodeFirst`].
pub(crate) struct DecodeFirstService<E, S> {
    inner: S,
    slot: EventSlot<E>,
}

impl<E, S> Service<LambdaInvocation> for DecodeFirstService<E, S>
where
    E: DeserializeOwned,
    S: Service<LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> S::Future {
        tracing::trace!(body = ?invocation.body, "event received from Lambda");
        self.slot.set(Some(decode(&invocation.body)));
        invocation.body = (&b"null"[..]).into();
        self.inner.call(invocation)
    }
}

/// The payload `lambda_runtime` deserializes after [`DecodeFirst`] took the
/// event: anything, kept as nothing.
pub(crate) struct Predecoded;

impl<'de> Deserialize<'de> for Predecoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Predecoded)
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

    /// What the layer does to an invocation before `lambda_runtime` sees it.
    fn through_layer<T: DeserializeOwned>(json: &'static [u8]) -> Result<T, Diagnostic> {
        let slot = EventSlot::<T>::default();
        let mut service = DecodeFirst::new(slot.clone()).layer(lambda_runtime::service_fn(
            |invocation: LambdaInvocation| async move {
                assert_eq!(&invocation.body[..], b"null");
                Ok::<_, Diagnostic>(())
            },
        ));
        let invocation = LambdaInvocation {
            parts: http::Response::new(()).into_parts().0,
            body: json.into(),
            context: lambda_runtime::Context::default(),
        };
        futures_util::FutureExt::now_or_never(service.call(invocation))
            .expect("ready")
            .unwrap();
        slot.take().expect("the layer filled the slot")
    }

    #[test]
    fn the_layer_decodes_and_explains_the_same_way() {
        let event: Event = through_layer(br#"{"key1":"a","nested":{"items":[3]}}"#).unwrap();
        assert_eq!(event.nested.items, vec![3]);
        let err =
            through_layer::<Event>(br#"{"key1":"a","nested":{"items":[1,"two"]}}"#).unwrap_err();
        assert_eq!(err.error_type, UNMARSHAL_ERROR);
        assert!(
            err.error_message
                .starts_with("nested.items[1]: invalid type: string"),
            "{}",
            err.error_message
        );
        let err = through_layer::<Event>(b"{not json").unwrap_err();
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
