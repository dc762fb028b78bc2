//! A DynamoDB Streams record in the handler's types.

use aws_lambda_events::event::dynamodb::EventRecord;
use serde::de::DeserializeOwned;
use serde_dynamo::{AttributeValue, Item};

/// What happened to the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// `INSERT`: a new item; [`Change::new`] holds it.
    Insert,
    /// `MODIFY`: an item changed; [`Change::old`] and [`Change::new`] hold
    /// it before and after, as far as the stream's view type records them.
    Modify,
    /// `REMOVE`: an item was deleted; [`Change::old`] holds it, when the
    /// stream records old images.
    Remove,
}

/// One DynamoDB Streams record, its images decoded into `T` (with
/// [`serde_dynamo`], the attribute values DynamoDB sends to the fields of
/// a `Deserialize` type). The event parameter of
/// `#[lambda_handler(dynamodb)]`:
///
/// ```no_run
/// use lambda_kit::events::{Change, ChangeKind};
/// use lambda_kit::lambda_handler;
///
/// #[derive(serde::Deserialize)]
/// struct Order { id: String, qty: u32 }
///
/// #[lambda_handler(dynamodb)]
/// async fn on_change(change: Change<Order>) -> Result<(), lambda_kit::Error> {
///     if change.kind == ChangeKind::Insert {
///         let order = change.new.expect("INSERT records carry the new image");
///         lambda_kit::tracing::info!(id = %order.id, qty = order.qty, "new order");
///     }
///     Ok(())
/// }
/// ```
///
/// An image that does not fit `T` fails the record with a
/// `Runtime.UnmarshalError` naming the image and the field.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Change<T> {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub kind: ChangeKind,
    /// The item's primary key attributes, as DynamoDB sent them; see
    /// [`Change::keys_as`].
    pub keys: Item,
    /// The item before the change (`MODIFY`, `REMOVE`), when the stream
    /// records old images.
    pub old: Option<T>,
    /// The item after the change (`INSERT`, `MODIFY`), when the stream
    /// records new images.
    pub new: Option<T>,
}

impl<T: DeserializeOwned> Change<T> {
    /// The change a record describes, as the bootstrap gives it to the
    /// handler; for unit tests of a handler (`testing::events`'
    /// `DynamoDbBatch::records()` builds the records).
    pub fn from_record(record: &EventRecord) -> Result<Self, crate::Error> {
        Self::decode(record)
            .map_err(|message| crate::Error::with_type(crate::UNMARSHAL_ERROR, message))
    }

    pub(crate) fn decode(record: &EventRecord) -> Result<Self, String> {
        let kind = match record.event_name.as_str() {
            "INSERT" => ChangeKind::Insert,
            "MODIFY" => ChangeKind::Modify,
            "REMOVE" => ChangeKind::Remove,
            other => {
                return Err(format!(
                "eventName: `{other}` is not a DynamoDB Streams change (INSERT, MODIFY or REMOVE)"
            ))
            }
        };
        Ok(Self {
            kind,
            keys: record.change.keys.clone(),
            old: image(&record.change.old_image, "OldImage")?,
            new: image(&record.change.new_image, "NewImage")?,
        })
    }
}

impl<T> Change<T> {
    /// The keys decoded into `K`, e.g. a struct with the table's partition
    /// (and sort) key fields; a misfit is a `Runtime.UnmarshalError` naming
    /// the field, which `?` fails the record with.
    pub fn keys_as<K: DeserializeOwned>(&self) -> Result<K, crate::Error> {
        decode_item(&self.keys, "Keys")
            .map_err(|message| crate::Error::with_type(crate::UNMARSHAL_ERROR, message))
    }
}

/// An image absent from the record (an empty map) is `None`.
fn image<T: DeserializeOwned>(item: &Item, name: &str) -> Result<Option<T>, String> {
    if item.is_empty() {
        return Ok(None);
    }
    decode_item(item, name).map(Some)
}

/// `item` into `T`, an error naming `name` and the field path.
fn decode_item<T: DeserializeOwned>(item: &Item, name: &str) -> Result<T, String> {
    let deserializer = || {
        serde_dynamo::Deserializer::from_attribute_value(AttributeValue::M(item.inner().clone()))
    };
    // Fast path without tracking; on failure, again to find where.
    if let Ok(value) = T::deserialize(deserializer()) {
        return Ok(value);
    }
    serde_path_to_error::deserialize(deserializer()).map_err(|error| {
        let path = error.path().to_string();
        let problem = error.into_inner();
        if path == "." {
            format!("{name}: {problem}")
        } else {
            format!("{name}.{path}: {problem}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        id: String,
        qty: u32,
    }

    fn record(json: serde_json::Value) -> EventRecord {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn images_decode_into_the_handlers_type() {
        let change = Change::<Order>::decode(&record(serde_json::json!({
            "awsRegion": "eu-west-1", "eventID": "1", "eventName": "MODIFY",
            "dynamodb": {
                "Keys": {"id": {"S": "o-1"}},
                "OldImage": {"id": {"S": "o-1"}, "qty": {"N": "1"}},
                "NewImage": {"id": {"S": "o-1"}, "qty": {"N": "2"}},
                "SequenceNumber": "100", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        })))
        .unwrap();
        assert_eq!(change.kind, ChangeKind::Modify);
        assert_eq!(
            change.old,
            Some(Order {
                id: "o-1".into(),
                qty: 1
            })
        );
        assert_eq!(
            change.new,
            Some(Order {
                id: "o-1".into(),
                qty: 2
            })
        );
        #[derive(Deserialize)]
        struct Key {
            id: String,
        }
        assert_eq!(change.keys_as::<Key>().unwrap().id, "o-1");
    }

    #[test]
    fn a_missing_image_is_none_and_a_misfit_names_the_field() {
        let change = Change::<Order>::decode(&record(serde_json::json!({
            "awsRegion": "eu-west-1", "eventID": "1", "eventName": "REMOVE",
            "dynamodb": {"Keys": {"id": {"S": "o-1"}}, "SequenceNumber": "7", "SizeBytes": 1}
        })))
        .unwrap();
        assert_eq!(
            (change.kind, change.old, change.new),
            (ChangeKind::Remove, None, None)
        );

        let error = Change::<Order>::decode(&record(serde_json::json!({
            "awsRegion": "eu-west-1", "eventID": "1", "eventName": "INSERT",
            "dynamodb": {"NewImage": {"id": {"S": "o-1"}, "qty": {"S": "many"}}, "SequenceNumber": "7", "SizeBytes": 1}
        })))
        .unwrap_err();
        assert!(error.starts_with("NewImage.qty: "), "{error}");
        let error = Change::<Order>::decode(&record(serde_json::json!({
            "awsRegion": "eu-west-1", "eventID": "1", "eventName": "UPSERT",
            "dynamodb": {"SequenceNumber": "7", "SizeBytes": 1}
        })))
        .unwrap_err();
        assert!(error.starts_with("eventName: `UPSERT`"), "{error}");
    }
}
