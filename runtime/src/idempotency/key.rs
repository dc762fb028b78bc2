//! What identifies a delivery: the key (a hash of the part of the event
//! that names the effect, scoped to the function) and, optionally, a hash
//! of the payload the key must keep meaning.

use lambda_kit_core::json_path::{steps, Step};
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Idempotency, KEY_MISSING_ERROR};
use crate::Diagnostic;

/// A SHA-256 digest: the record's id, or a payload's hash.
pub(crate) type Hash = [u8; 32];

/// Not public API: where a handler's idempotency key comes from.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum KeySource {
    /// The whole event.
    Event,
    /// The value at a path into the event (`order.id`); for a batch
    /// handler, into the record's payload.
    Path(&'static str),
    /// A batch record's own identifier (message id, sequence number).
    Record,
    /// What a function of the event returns.
    Function,
    /// The `Idempotency-Key` header of an HTTP request.
    Header,
}

/// Not public API: what one delivery is checked by: its key, and the hash
/// of the payload the key was first used with, when the handler asks for
/// that check.
#[doc(hidden)]
#[derive(Debug)]
pub struct Claim {
    pub(crate) id: Hash,
    pub(crate) payload: Option<Hash>,
}

/// Not public API: an event decoded into the handler's type, with the
/// JSON it came from, which the key is read from.
#[doc(hidden)]
#[derive(Debug)]
pub struct Keyed<E> {
    pub(crate) event: E,
    pub(crate) json: Box<RawValue>,
}

impl<'de, E: DeserializeOwned> Deserialize<'de> for Keyed<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(deserializer)?;
        match serde_json::from_str(json.get()) {
            Ok(event) => Ok(Self { event, json }),
            // The message names the field, as for any event.
            Err(_) => Err(D::Error::custom(
                crate::decode::explain::<E>(json.get().as_bytes()).error_message,
            )),
        }
    }
}

impl Idempotency {
    /// The claim of an event's JSON.
    pub(crate) fn claim_json(&self, json: &RawValue) -> Result<Claim, Diagnostic> {
        let value: Value =
            serde_json::from_str(json.get()).map_err(|err| missing(err.to_string()))?;
        let key = match self.key {
            KeySource::Path(path) => select(&value, path, "idempotency_key")?,
            _ => &value,
        };
        let payload = match self.payload {
            Some(path) => Some(digest(&[canonical(select(
                &value,
                path,
                "idempotency_payload",
            )?)
            .as_bytes()])),
            None => None,
        };
        Ok(Claim {
            id: self.id(&canonical(key)),
            payload,
        })
    }

    /// The claim of what a key function returned.
    pub(crate) fn claim_value<K: Serialize + ?Sized>(&self, key: &K) -> Result<Claim, Diagnostic> {
        let value = serde_json::to_value(key).map_err(|err| {
            missing(format!(
                "the idempotency key function's value is not JSON: {err}"
            ))
        })?;
        if value.is_null() {
            return Err(missing(
                "the idempotency key function returned nothing for this event: the handler did \
                 not run"
                    .to_owned(),
            ));
        }
        Ok(Claim {
            id: self.id(&canonical(&value)),
            payload: None,
        })
    }

    /// The claim of a key given as text (a record's id, a header), in
    /// `scope` (for HTTP, the caller).
    pub(crate) fn claim_text(&self, key: &str, scope: &[u8], payload: Option<Hash>) -> Claim {
        Claim {
            id: digest(&[
                self.settings().function.as_bytes(),
                self.handler.as_bytes(),
                key.as_bytes(),
                scope,
            ]),
            payload,
        }
    }

    /// The record id of `key`: the function and handler scope it, so
    /// functions sharing a table never see each other's keys.
    fn id(&self, key: &str) -> Hash {
        digest(&[
            self.settings().function.as_bytes(),
            self.handler.as_bytes(),
            key.as_bytes(),
        ])
    }
}

/// The value at `path` (the argument `argument`'s); an absent or `null`
/// value is an error, since an event that names nothing cannot be told from
/// another.
fn select<'v>(
    value: &'v Value,
    path: &'static str,
    argument: &str,
) -> Result<&'v Value, Diagnostic> {
    // Checked by the attribute at compile time.
    let steps = steps(path).map_err(|err| missing(format!("`{path}`: {err}")))?;
    let mut at = value;
    for step in steps {
        let next = match step {
            Step::Field(name) => at.get(name),
            Step::Index(index) => at.get(index),
        };
        at = next.ok_or_else(|| absent(path, argument))?;
    }
    if at.is_null() {
        return Err(absent(path, argument));
    }
    Ok(at)
}

fn absent(path: &str, argument: &str) -> Diagnostic {
    missing(format!(
        "the event has no value at `{path}` (`{argument}`): the handler did not run \
         (send it, or change `{argument}`)"
    ))
}

pub(crate) fn missing(error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: KEY_MISSING_ERROR.to_owned(),
        error_message,
    }
}

/// A value as the key's text: compact JSON with object members sorted by
/// name, whatever order the event had them in and whichever `Map` serde_json
/// was built with (a number and the string of its digits stay different
/// keys).
fn canonical(value: &Value) -> String {
    let mut text = String::new();
    write_canonical(value, &mut text);
    text
}

fn write_canonical(value: &Value, text: &mut String) {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            text.push('{');
            for (n, (name, member)) in sorted.into_iter().enumerate() {
                if n > 0 {
                    text.push(',');
                }
                text.push_str(&Value::from(name.as_str()).to_string());
                text.push(':');
                write_canonical(member, text);
            }
            text.push('}');
        }
        Value::Array(elements) => {
            text.push('[');
            for (n, element) in elements.iter().enumerate() {
                if n > 0 {
                    text.push(',');
                }
                write_canonical(element, text);
            }
            text.push(']');
        }
        scalar => text.push_str(&scalar.to_string()),
    }
}

/// SHA-256 of `parts`, each length-prefixed so that no two lists of parts
/// hash alike.
pub(crate) fn digest(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::__lambda_kit_idempotency!(static BY_ID = ("charge", Path("order.id"), None, "lk_unit"));
    crate::__lambda_kit_idempotency!(static CHECKED = ("charge", Path("order.id"), Some("order"), "lk_unit"));
    crate::__lambda_kit_idempotency!(static WHOLE = ("charge", Event, None, "lk_unit"));

    fn json(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn the_key_is_the_selected_value_whatever_else_differs() {
        let a = BY_ID
            .claim_json(&json(r#"{"order": {"id": "o-1", "amount": 5}, "at": 1}"#))
            .unwrap();
        let b = BY_ID
            .claim_json(&json(r#"{"at": 2, "order": {"amount": 5, "id": "o-1"}}"#))
            .unwrap();
        let c = BY_ID
            .claim_json(&json(r#"{"order": {"id": "o-2"}}"#))
            .unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert!(a.payload.is_none());
        // A number and the string of its digits are different keys.
        let n = BY_ID.claim_json(&json(r#"{"order": {"id": 1}}"#)).unwrap();
        let s = BY_ID
            .claim_json(&json(r#"{"order": {"id": "1"}}"#))
            .unwrap();
        assert_ne!(n.id, s.id);
    }

    #[test]
    fn the_payload_hash_covers_the_chosen_part() {
        let a = CHECKED
            .claim_json(&json(r#"{"order": {"id": "o-1", "amount": 5}}"#))
            .unwrap();
        let b = CHECKED
            .claim_json(&json(r#"{"order": {"amount": 5, "id": "o-1"}, "x": 1}"#))
            .unwrap();
        let c = CHECKED
            .claim_json(&json(r#"{"order": {"id": "o-1", "amount": 6}}"#))
            .unwrap();
        assert_eq!(a.id, c.id);
        assert_eq!(a.payload, b.payload);
        assert_ne!(a.payload, c.payload);
    }

    #[test]
    fn the_whole_event_form_ignores_layout() {
        let a = WHOLE.claim_json(&json(r#"{"a": 1, "b": [1, 2]}"#)).unwrap();
        let b = WHOLE
            .claim_json(&json("{ \"b\" : [1,2], \"a\":1 }"))
            .unwrap();
        assert_eq!(a.id, b.id);
    }

    #[test]
    fn an_event_without_the_key_is_refused() {
        for event in [
            r#"{"order": {}}"#,
            r#"{"order": {"id": null}}"#,
            r#"[1]"#,
            "7",
        ] {
            let err = BY_ID.claim_json(&json(event)).unwrap_err();
            assert_eq!(err.error_type, KEY_MISSING_ERROR);
            assert!(
                err.error_message.contains("`order.id`"),
                "{}",
                err.error_message
            );
        }
    }

    #[test]
    fn a_key_function_value_is_a_key_and_none_is_refused() {
        let a = BY_ID.claim_value("o-1").unwrap();
        assert_eq!(a.id, BY_ID.claim_value(&String::from("o-1")).unwrap().id);
        assert_ne!(a.id, BY_ID.claim_value(&1).unwrap().id);
        let err = BY_ID.claim_value(&None::<u32>).unwrap_err();
        assert_eq!(err.error_type, KEY_MISSING_ERROR);
    }

    #[test]
    fn members_are_sorted_at_every_depth() {
        let value: Value = serde_json::from_str(
            r#"{"b": {"y": [1, {"d": 1, "c": "é\"q"}], "x": null}, "a": 1.5}"#,
        )
        .unwrap();
        assert_eq!(
            canonical(&value),
            r#"{"a":1.5,"b":{"x":null,"y":[1,{"c":"é\"q","d":1}]}}"#
        );
    }

    #[test]
    fn a_missing_payload_names_its_argument() {
        let err = CHECKED.claim_json(&json(r#"{"order": null}"#)).unwrap_err();
        assert!(
            err.error_message.contains("(`idempotency_key`)"),
            "{}",
            err.error_message
        );
        crate::__lambda_kit_idempotency!(static BY_ID_CHECKED = ("charge", Path("id"), Some("order"), "lk_unit"));
        let err = BY_ID_CHECKED.claim_json(&json(r#"{"id": 1}"#)).unwrap_err();
        assert!(
            err.error_message.contains("(`idempotency_payload`)"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn scopes_do_not_collide() {
        assert_ne!(digest(&[b"ab", b"c"]), digest(&[b"a", b"bc"]));
        crate::__lambda_kit_idempotency!(static OTHER = ("refund", Path("order.id"), None, "lk_unit"));
        let event = json(r#"{"order": {"id": "o-1"}}"#);
        assert_ne!(
            BY_ID.claim_json(&event).unwrap().id,
            OTHER.claim_json(&event).unwrap().id
        );
    }
}
