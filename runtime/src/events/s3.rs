//! S3 event notifications, with each object's key decoded.
//!
//! S3 writes object keys into notifications form-encoded: a space as `+`,
//! other bytes outside a small safe set as `%XX` (`my file(1).txt` arrives
//! as `my+file%281%29.txt`, a literal `+` as `%2B`). A handler that takes
//! [`S3Objects`] gets every record's bucket and decoded key; one that takes
//! [`S3Event`] gets the records as sent and can call [`decode_key`] itself.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer};

/// An S3 event notification as sent: `records[i].s3.object.key` is still
/// form-encoded (see [`decode_key`]); [`S3Objects`] decodes it.
pub use aws_lambda_events::s3::S3Event;
/// One record of an [`S3Event`]: the event name, time, region, bucket and
/// object (`s3.bucket`, `s3.object`).
pub use aws_lambda_events::s3::S3EventRecord;

/// The objects of an S3 event notification, each with its bucket and its
/// key decoded: take it as a handler's event.
///
/// ```no_run
/// use lambda_kit::events::S3Objects;
///
/// #[lambda_kit::lambda_handler]
/// async fn on_upload(objects: S3Objects) -> Result<(), lambda_kit::Error> {
///     for object in &objects {
///         // `uploads/my file(1).txt`, sent as `uploads/my+file%281%29.txt`
///         lambda_kit::tracing::info!(bucket = %object.bucket, key = %object.key, size = ?object.size, "new object");
///     }
///     Ok(())
/// }
/// ```
///
/// It decodes as an [`S3Event`] does, then decodes every key. A record
/// without a bucket name or key, or whose key is not valid encoding or not
/// UTF-8 once decoded, makes the whole event a `Runtime.UnmarshalError`
/// naming the record (``Records[1].s3.object.key: `%` at byte 3 does not
/// start a `%XX` escape``); keys are never decoded lossily.
///
/// It dereferences to a slice of [`S3ObjectRef`] (`objects.len()`,
/// `objects[0].key`) and iterates by reference or by value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct S3Objects {
    objects: Vec<S3ObjectRef>,
}

/// One object of an S3 event notification, its key decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct S3ObjectRef {
    /// What happened: `ObjectCreated:Put`, `ObjectRemoved:Delete`, ...
    pub event_name: Option<String>,
    /// The bucket's name.
    pub bucket: String,
    /// The object's key, decoded: `my file(1).txt`.
    pub key: String,
    /// The object's size in bytes (absent for deletions).
    pub size: Option<i64>,
    /// The object's version, in a bucket with versioning.
    pub version_id: Option<String>,
    /// The whole record, as sent (with the key still encoded).
    pub record: S3EventRecord,
}

impl S3Objects {
    /// The objects, in the order of the event's records.
    pub fn as_slice(&self) -> &[S3ObjectRef] {
        &self.objects
    }

    /// The objects, owned.
    pub fn into_vec(self) -> Vec<S3ObjectRef> {
        self.objects
    }
}

impl TryFrom<S3Event> for S3Objects {
    type Error = S3RecordError;

    /// Decodes every record's key; the first record that fails is the error.
    fn try_from(event: S3Event) -> Result<Self, S3RecordError> {
        let objects = event
            .records
            .into_iter()
            .enumerate()
            .map(|(index, record)| S3ObjectRef::from_record(index, record))
            .collect::<Result<_, _>>()?;
        Ok(Self { objects })
    }
}

impl S3ObjectRef {
    fn from_record(index: usize, record: S3EventRecord) -> Result<Self, S3RecordError> {
        let error = |field, problem| S3RecordError {
            index,
            field,
            problem,
        };
        let bucket = record
            .s3
            .bucket
            .name
            .clone()
            .ok_or_else(|| error("s3.bucket.name", Problem::Missing))?;
        let encoded = record
            .s3
            .object
            .key
            .as_deref()
            .ok_or_else(|| error("s3.object.key", Problem::Missing))?;
        let key = decode_key(encoded).map_err(|e| error("s3.object.key", Problem::Key(e)))?;
        Ok(Self {
            event_name: record.event_name.clone(),
            bucket,
            key,
            size: record.s3.object.size,
            version_id: record.s3.object.version_id.clone(),
            record,
        })
    }
}

impl<'de> Deserialize<'de> for S3Objects {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = S3Event::deserialize(deserializer)?;
        Self::try_from(event).map_err(serde::de::Error::custom)
    }
}

impl Deref for S3Objects {
    type Target = [S3ObjectRef];

    fn deref(&self) -> &[S3ObjectRef] {
        &self.objects
    }
}

impl IntoIterator for S3Objects {
    type Item = S3ObjectRef;
    type IntoIter = std::vec::IntoIter<S3ObjectRef>;

    fn into_iter(self) -> Self::IntoIter {
        self.objects.into_iter()
    }
}

impl<'a> IntoIterator for &'a S3Objects {
    type Item = &'a S3ObjectRef;
    type IntoIter = std::slice::Iter<'a, S3ObjectRef>;

    fn into_iter(self) -> Self::IntoIter {
        self.objects.iter()
    }
}

/// A record of an S3 event that [`S3Objects`] cannot use: its bucket name
/// or key is missing, or the key does not decode. Displayed with the
/// record's path: ``Records[1].s3.object.key: `%` at byte 3 ...``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3RecordError {
    index: usize,
    field: &'static str,
    problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Problem {
    Missing,
    Key(KeyDecodeError),
}

impl S3RecordError {
    /// The index of the record in the event's `Records`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Why the key does not decode, if that is the problem.
    pub fn key_error(&self) -> Option<&KeyDecodeError> {
        match &self.problem {
            Problem::Key(e) => Some(e),
            Problem::Missing => None,
        }
    }
}

impl fmt::Display for S3RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Records[{}].{}: ", self.index, self.field)?;
        match &self.problem {
            Problem::Missing => f.write_str("missing"),
            Problem::Key(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for S3RecordError {}

/// Why an object key from an S3 notification does not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyDecodeError {
    /// The `%` at this byte offset of the encoded key is not followed by
    /// two hexadecimal digits.
    InvalidEscape {
        /// Byte offset of the `%` in the encoded key.
        offset: usize,
    },
    /// The decoded bytes are not UTF-8 (S3 keys always are).
    NotUtf8 {
        /// Byte offset, in the decoded key, of the first byte that is not
        /// part of valid UTF-8.
        offset: usize,
    },
}

impl fmt::Display for KeyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidEscape { offset } => {
                write!(f, "`%` at byte {offset} does not start a `%XX` escape")
            }
            Self::NotUtf8 { offset } => write!(
                f,
                "the decoded key is not UTF-8 (invalid byte at decoded byte {offset})"
            ),
        }
    }
}

impl std::error::Error for KeyDecodeError {}

/// Decodes an object key as S3 encodes it in event notifications: `+` is
/// a space, `%XX` the byte `XX`, everything else itself.
///
/// Strict: a `%` not followed by two hex digits, or bytes that are not
/// UTF-8 once decoded, are errors (never replaced or passed through).
///
/// ```
/// use lambda_kit::events::decode_key;
///
/// assert_eq!(decode_key("my+file%281%29.txt").unwrap(), "my file(1).txt");
/// assert_eq!(decode_key("a%2Bb").unwrap(), "a+b");
/// assert!(decode_key("100%").is_err());
/// ```
pub fn decode_key(encoded: &str) -> Result<String, KeyDecodeError> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                decoded.push(b' ');
                i += 1;
            }
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|hex| Some(hex_digit(hex[0])? << 4 | hex_digit(hex[1])?))
                    .ok_or(KeyDecodeError::InvalidEscape { offset: i })?;
                decoded.push(byte);
                i += 3;
            }
            other => {
                decoded.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|e| KeyDecodeError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Encodes a key as S3 does in notifications (form-style: a space as `+`,
/// ASCII letters, digits and `-_.*/` as they are, every other byte `%XX`),
/// for events built in tests.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn encode_key(key: &str) -> String {
    let mut encoded = String::with_capacity(key.len());
    for &byte in key.as_bytes() {
        match byte {
            b' ' => encoded.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_event;
    use proptest::prelude::*;

    #[test]
    fn spaces_arrive_as_plus() {
        assert_eq!(decode_key("my+file%281%29.txt").unwrap(), "my file(1).txt");
        assert_eq!(decode_key("a%20b").unwrap(), "a b");
    }

    #[test]
    fn a_literal_plus_arrives_escaped() {
        assert_eq!(decode_key("1%2B1%3D2").unwrap(), "1+1=2");
        assert_eq!(encode_key("1+1=2"), "1%2B1%3D2");
    }

    #[test]
    fn unicode_keys_decode_from_utf8_escapes() {
        assert_eq!(decode_key("caf%C3%A9/%E2%82%AC.txt").unwrap(), "café/€.txt");
        assert_eq!(decode_key("%c3%a9").unwrap(), "é");
    }

    #[test]
    fn invalid_escapes_are_errors() {
        assert_eq!(
            decode_key("ab%ZZ"),
            Err(KeyDecodeError::InvalidEscape { offset: 2 })
        );
        assert_eq!(
            decode_key("100%"),
            Err(KeyDecodeError::InvalidEscape { offset: 3 })
        );
        assert_eq!(
            decode_key("%4"),
            Err(KeyDecodeError::InvalidEscape { offset: 0 })
        );
        // A multi-byte character right after `%` is not a hex digit.
        assert_eq!(
            decode_key("%é1"),
            Err(KeyDecodeError::InvalidEscape { offset: 0 })
        );
    }

    #[test]
    fn keys_that_are_not_utf8_are_errors() {
        assert_eq!(
            decode_key("ok%FF"),
            Err(KeyDecodeError::NotUtf8 { offset: 2 })
        );
        // A truncated sequence is not completed or replaced.
        assert_eq!(
            decode_key("%C3"),
            Err(KeyDecodeError::NotUtf8 { offset: 0 })
        );
    }

    /// AWS's sample S3 put notification, one record per (bucket, key).
    fn event(objects: &[(&str, &str)]) -> Vec<u8> {
        let records: Vec<_> = objects
            .iter()
            .map(|(bucket, key)| {
                serde_json::json!({
                  "eventVersion": "2.1",
                  "eventSource": "aws:s3",
                  "awsRegion": "us-east-1",
                  "eventTime": "2019-09-03T19:37:27.192Z",
                  "eventName": "ObjectCreated:Put",
                  "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                  "requestParameters": {"sourceIPAddress": "205.255.255.255"},
                  "responseElements": {
                    "x-amz-request-id": "D82B88E5F771F645",
                    "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo="
                  },
                  "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
                    "bucket": {
                      "name": bucket,
                      "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                      "arn": format!("arn:aws:s3:::{bucket}")
                    },
                    "object": {
                      "key": key,
                      "size": 1305107,
                      "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
                      "sequencer": "0C0F6F405D6ED209E1"
                    }
                  }
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap()
    }

    #[test]
    fn objects_have_their_bucket_and_decoded_key() {
        let objects: S3Objects = decode_event(&event(&[
            ("lambda-artifacts", "uploads/my+file%281%29.txt"),
            ("other", "caf%C3%A9"),
        ]))
        .unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].bucket, "lambda-artifacts");
        assert_eq!(objects[0].key, "uploads/my file(1).txt");
        assert_eq!(objects[0].size, Some(1305107));
        assert_eq!(objects[0].event_name.as_deref(), Some("ObjectCreated:Put"));
        assert_eq!(
            objects[0].record.s3.object.key.as_deref(),
            Some("uploads/my+file%281%29.txt")
        );
        let keys: Vec<String> = objects.into_iter().map(|o| o.key).collect();
        assert_eq!(keys, ["uploads/my file(1).txt", "café"]);
    }

    #[test]
    fn a_bad_key_is_an_unmarshal_error_naming_the_record() {
        let err = decode_event::<S3Objects>(&event(&[("b", "fine"), ("b", "bad%ZZ")])).unwrap_err();
        assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
        assert!(
            err.error_message.starts_with(
                "Records[1].s3.object.key: `%` at byte 3 does not start a `%XX` escape"
            ),
            "{}",
            err.error_message
        );

        let err = decode_event::<S3Objects>(&event(&[("b", "%FF")])).unwrap_err();
        assert!(
            err.error_message
                .starts_with("Records[0].s3.object.key: the decoded key is not UTF-8"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn a_record_without_a_key_is_an_error() {
        let mut event: serde_json::Value = serde_json::from_slice(&event(&[("b", "k")])).unwrap();
        event["Records"][0]["s3"]["object"]
            .as_object_mut()
            .unwrap()
            .remove("key");
        let err = decode_event::<S3Objects>(&serde_json::to_vec(&event).unwrap()).unwrap_err();
        assert!(
            err.error_message
                .starts_with("Records[0].s3.object.key: missing"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn structural_errors_keep_their_path() {
        let mut event: serde_json::Value = serde_json::from_slice(&event(&[("b", "k")])).unwrap();
        event["Records"][0]["s3"]["object"]["size"] = "big".into();
        let err = decode_event::<S3Objects>(&serde_json::to_vec(&event).unwrap()).unwrap_err();
        assert!(
            err.error_message
                .starts_with("Records[0].s3.object.size: invalid type"),
            "{}",
            err.error_message
        );
    }

    proptest! {
        #[test]
        fn encoding_as_s3_does_then_decoding_gives_the_key_back(key in any::<String>()) {
            prop_assert_eq!(decode_key(&encode_key(&key)), Ok(key));
        }

        #[test]
        fn decoding_never_panics(encoded in any::<String>()) {
            let _ = decode_key(&encoded);
        }
    }
}
