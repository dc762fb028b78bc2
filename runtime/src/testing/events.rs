//! The events SQS, Kinesis, DynamoDB Streams, SNS, EventBridge and S3 send
//! to a function, built from AWS's sample events (features `testing` and
//! `events`), so a test states a whole batch in one line and reads the
//! partial batch response back.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use lambda_kit::testing::events::{batch_item_failures, SqsBatch};
//! use lambda_kit::testing::Function;
//! use serde_json::json;
//!
//! let batch = SqsBatch::new()
//!     .json(&json!({"id": "o-1", "qty": 1}))
//!     .body("not json")
//!     .json(&json!({"id": "o-3", "qty": 0}));
//! // In an integration test: `env!("CARGO_BIN_EXE_<name>")`.
//! let mut function = Function::spawn("target/debug/orders").await?;
//! let response = function.invoke(&batch.event()).await?.expect("a response");
//! assert_eq!(
//!     batch_item_failures(&response),
//!     [batch.message_id(1), batch.message_id(2)]
//! );
//! # Ok(()) }
//! ```
//!
//! Every builder returns the payload as a [`serde_json::Value`]; pass it to
//! [`Function::invoke`](crate::testing::Function::invoke), or to
//! [`decode_event`](crate::decode_event) in a unit test. Record ids and
//! sequence numbers are predictable from the record's index.

use serde::Serialize;
use serde_json::{json, Value};

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| panic!("the value does not serialize to JSON: {e}"))
}

fn to_json_text(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|e| panic!("the value does not serialize to JSON: {e}"))
}

/// An SQS batch (`{"Records": [...]}`), one record per call, from a
/// standard queue ([`new`](SqsBatch::new)) or a FIFO queue
/// ([`fifo`](SqsBatch::fifo)).
///
/// ```
/// use lambda_kit::testing::events::SqsBatch;
///
/// let batch = SqsBatch::fifo().json(&serde_json::json!({"id": 1})).body("raw text");
/// let event = batch.event();
/// assert_eq!(event["Records"][1]["body"], "raw text");
/// assert_eq!(event["Records"][1]["messageId"], batch.message_id(1));
/// ```
#[derive(Clone, Debug, Default)]
pub struct SqsBatch {
    fifo: bool,
    group: Option<String>,
    records: Vec<SqsRecord>,
}

#[derive(Clone, Debug)]
struct SqsRecord {
    body: String,
    group: String,
}

const SQS_QUEUE: &str = "arn:aws:sqs:us-east-2:123456789012:my-queue";
const SQS_FIFO_QUEUE: &str = "arn:aws:sqs:us-east-2:123456789012:my-queue.fifo";
/// The FIFO message group of records added before any [`SqsBatch::group`].
const DEFAULT_GROUP: &str = "group-1";

impl SqsBatch {
    /// An empty batch from a standard queue (`my-queue`).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch from a FIFO queue (`my-queue.fifo`): each record
    /// carries `MessageGroupId`, `MessageDeduplicationId` and an increasing
    /// `SequenceNumber`.
    pub fn fifo() -> Self {
        Self {
            fifo: true,
            ..Self::default()
        }
    }

    /// The `MessageGroupId` of the records added after this call (FIFO
    /// batches; `group-1` until set).
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// Adds a record whose body is `value` as JSON.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    pub fn json(self, value: &impl Serialize) -> Self {
        let body = to_json_text(value);
        self.body(body)
    }

    /// Adds a record with this body, as it is.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        let group = self.group.as_deref().unwrap_or(DEFAULT_GROUP).to_owned();
        self.records.push(SqsRecord {
            body: body.into(),
            group,
        });
        self
    }

    /// The `messageId` of record `index` (`msg-0`, `msg-1`, ...), which a
    /// partial batch response names.
    pub fn message_id(&self, index: usize) -> String {
        format!("msg-{index}")
    }

    /// The records as a batch handler's metadata parameter gets them
    /// (`&SqsMessage`), for calling the function directly in a unit test.
    pub fn messages(&self) -> Vec<aws_lambda_events::sqs::SqsMessage> {
        let event: aws_lambda_events::sqs::SqsEvent =
            serde_json::from_value(self.event()).expect("the builder's event is an SQS event");
        event.records
    }

    /// The event Lambda sends for the batch.
    pub fn event(&self) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .enumerate()
            .map(|(i, record)| self.record(i, record))
            .collect();
        json!({ "Records": records })
    }

    fn record(&self, index: usize, record: &SqsRecord) -> Value {
        let sent = 1_545_082_649_183u64 + index as u64;
        let mut attributes = json!({
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent.to_string(),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": (sent + 2).to_string()
        });
        if self.fifo {
            attributes["MessageGroupId"] = record.group.clone().into();
            attributes["MessageDeduplicationId"] = format!("dedup-{index}").into();
            // SQS FIFO sequence numbers: 20 digits, increasing.
            attributes["SequenceNumber"] = (18_849_496_460_467_696_128u128 + index as u128)
                .to_string()
                .into();
        }
        json!({
            "messageId": self.message_id(index),
            "receiptHandle": format!("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{index}"),
            "body": record.body,
            "attributes": attributes,
            "messageAttributes": {},
            "md5OfBody": md5_hex(record.body.as_bytes()),
            "eventSource": "aws:sqs",
            "eventSourceARN": if self.fifo { SQS_FIFO_QUEUE } else { SQS_QUEUE },
            "awsRegion": "us-east-2"
        })
    }
}

/// A Kinesis batch (`{"Records": [...]}`) from one shard, one record per
/// call, with increasing sequence numbers.
///
/// ```
/// use lambda_kit::testing::events::KinesisBatch;
///
/// let batch = KinesisBatch::new().data(b"Hello, this is a test.");
/// let event = batch.event();
/// assert_eq!(event["Records"][0]["kinesis"]["data"], "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==");
/// assert_eq!(event["Records"][0]["kinesis"]["sequenceNumber"], batch.sequence_number(0));
/// ```
#[derive(Clone, Debug, Default)]
pub struct KinesisBatch {
    records: Vec<Vec<u8>>,
}

/// The leading digits of Kinesis sequence numbers; the record's index,
/// zero-padded, follows, so that later records compare greater both as
/// numbers and as strings.
const KINESIS_SEQUENCE_PREFIX: &str = "49590338271490256608559692538361571095921575989136";

impl KinesisBatch {
    /// An empty batch from `lambda-stream`, shard `shardId-000000000006`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record whose data is `value` as JSON.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    pub fn json(self, value: &impl Serialize) -> Self {
        let data = to_json_text(value);
        self.data(data.as_bytes())
    }

    /// Adds a record with these bytes as its data (sent base64-encoded).
    pub fn data(mut self, data: &[u8]) -> Self {
        self.records.push(data.to_vec());
        self
    }

    /// The records as a batch handler's metadata parameter gets them
    /// (`&KinesisEventRecord`), for calling the function directly in a
    /// unit test.
    pub fn records(&self) -> Vec<aws_lambda_events::kinesis::KinesisEventRecord> {
        let event: aws_lambda_events::kinesis::KinesisEvent =
            serde_json::from_value(self.event()).expect("the builder's event is a Kinesis event");
        event.records
    }

    /// The `sequenceNumber` of record `index`: 56 digits, increasing with
    /// the index, which a partial batch response names.
    pub fn sequence_number(&self, index: usize) -> String {
        format!("{KINESIS_SEQUENCE_PREFIX}{index:06}")
    }

    /// The event Lambda sends for the batch.
    pub fn event(&self) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .enumerate()
            .map(|(i, data)| {
                let sequence = self.sequence_number(i);
                json!({
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": "1",
                        "sequenceNumber": sequence,
                        "data": base64(data),
                        "approximateArrivalTimestamp": 1_545_084_650.987 + i as f64
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": format!("shardId-000000000006:{sequence}"),
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                    "awsRegion": "us-east-2",
                    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
                })
            })
            .collect();
        json!({ "Records": records })
    }
}

/// Base64 as Kinesis sends data, by aws_lambda_events' own encoding.
fn base64(data: &[u8]) -> Value {
    let mut encoded = aws_lambda_events::encodings::Base64Data::default();
    encoded.extend_from_slice(data);
    to_json(&encoded)
}

/// A DynamoDB Streams batch (`{"Records": [...]}`) from a table streaming
/// `NEW_AND_OLD_IMAGES`, one change per call; keys and images are any
/// `Serialize` struct or map, converted to DynamoDB's attribute values
/// (`{"S": "a"}`, `{"N": "1"}`) by `serde_dynamo`.
///
/// ```
/// use lambda_kit::testing::events::DynamoDbBatch;
/// use serde_json::json;
///
/// let keys = json!({"id": "o-1"});
/// let batch = DynamoDbBatch::new()
///     .insert(&keys, &json!({"id": "o-1", "qty": 1}))
///     .modify(&keys, &json!({"id": "o-1", "qty": 1}), &json!({"id": "o-1", "qty": 2}))
///     .remove(&keys, &json!({"id": "o-1", "qty": 2}));
/// let event = batch.event();
/// assert_eq!(event["Records"][1]["eventName"], "MODIFY");
/// assert_eq!(event["Records"][1]["dynamodb"]["NewImage"]["qty"], json!({"N": "2"}));
/// assert_eq!(event["Records"][2]["dynamodb"]["SequenceNumber"], batch.sequence_number(2));
/// ```
#[derive(Clone, Debug, Default)]
pub struct DynamoDbBatch {
    records: Vec<Change>,
}

#[derive(Clone, Debug)]
struct Change {
    name: &'static str,
    keys: Value,
    old: Option<Value>,
    new: Option<Value>,
}

/// Converts a key or image to DynamoDB's attribute-value JSON.
fn item(value: &impl Serialize) -> Value {
    let item: serde_dynamo::Item = serde_dynamo::to_item(value)
        .unwrap_or_else(|e| panic!("not a DynamoDB item (a struct or a map): {e}"));
    to_json(&item)
}

impl DynamoDbBatch {
    /// An empty batch from table `my-table`'s stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an `INSERT` of `new_image` under `keys`.
    ///
    /// # Panics
    ///
    /// If `keys` or the image is not a struct or a map `serde_dynamo`
    /// converts.
    pub fn insert(self, keys: &impl Serialize, new_image: &impl Serialize) -> Self {
        self.push("INSERT", keys, None, Some(item(new_image)))
    }

    /// Adds a `MODIFY` from `old_image` to `new_image`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert).
    pub fn modify(
        self,
        keys: &impl Serialize,
        old_image: &impl Serialize,
        new_image: &impl Serialize,
    ) -> Self {
        self.push("MODIFY", keys, Some(item(old_image)), Some(item(new_image)))
    }

    /// Adds a `REMOVE` of `old_image`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert).
    pub fn remove(self, keys: &impl Serialize, old_image: &impl Serialize) -> Self {
        self.push("REMOVE", keys, Some(item(old_image)), None)
    }

    /// The records as a batch handler's metadata parameter gets them
    /// (`&DynamoDbRecord`; `Change::from_record` gives the event), for
    /// calling the function directly in a unit test.
    pub fn records(&self) -> Vec<aws_lambda_events::dynamodb::EventRecord> {
        let event: aws_lambda_events::dynamodb::Event = serde_json::from_value(self.event())
            .expect("the builder's event is a DynamoDB Streams event");
        event.records
    }

    fn push(
        mut self,
        name: &'static str,
        keys: &impl Serialize,
        old: Option<Value>,
        new: Option<Value>,
    ) -> Self {
        self.records.push(Change {
            name,
            keys: item(keys),
            old,
            new,
        });
        self
    }

    /// The `SequenceNumber` of record `index`: 25 digits, increasing with
    /// the index, which a partial batch response names.
    pub fn sequence_number(&self, index: usize) -> String {
        (1_405_400_000_000_002_063_282_832u128 + index as u128).to_string()
    }

    /// The event Lambda sends for the batch.
    pub fn event(&self) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .enumerate()
            .map(|(i, change)| {
                let mut stream_record = json!({
                    "ApproximateCreationDateTime": 1_480_642_020u64 + i as u64,
                    "Keys": change.keys,
                    "SequenceNumber": self.sequence_number(i),
                    "SizeBytes": 0,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                });
                let mut size = change.keys.to_string().len();
                for (field, image) in [("OldImage", &change.old), ("NewImage", &change.new)] {
                    if let Some(image) = image {
                        size += image.to_string().len();
                        stream_record[field] = image.clone();
                    }
                }
                // Plausible, not DynamoDB's exact accounting.
                stream_record["SizeBytes"] = size.into();
                json!({
                    "eventID": format!("{:032x}", 0xf07f_8ca4_b0b2_6cb9_c4e5_e77e_69f2_7400u128 + i as u128),
                    "eventName": change.name,
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "us-east-2",
                    "dynamodb": stream_record,
                    "eventSourceARN": "arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/2023-06-10T19:26:16.525"
                })
            })
            .collect();
        json!({ "Records": records })
    }
}

/// An SNS notification of `message` as JSON, from topic `sns-lambda`.
///
/// # Panics
///
/// If `message` does not serialize to JSON.
///
/// ```
/// let event = lambda_kit::testing::events::sns(&serde_json::json!({"id": "o-1"}));
/// assert_eq!(event["Records"][0]["Sns"]["Message"], r#"{"id":"o-1"}"#);
/// ```
pub fn sns(message: &impl Serialize) -> Value {
    json!({
      "Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed-a058-49f5-8c98-aedd2564c486",
        "EventSource": "aws:sns",
        "Sns": {
          "SignatureVersion": "1",
          "Timestamp": "2019-01-02T12:45:07.000Z",
          "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
          "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
          "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
          "Message": to_json_text(message),
          "MessageAttributes": {},
          "Type": "Notification",
          "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:test-lambda:21be56ed-a058-49f5-8c98-aedd2564c486",
          "TopicArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda",
          "Subject": null
        }
      }]
    })
}

/// An EventBridge event from `source` with this `detail-type` and
/// `detail`.
///
/// # Panics
///
/// If `detail` does not serialize to JSON.
///
/// ```
/// use lambda_kit::testing::events::eventbridge;
///
/// let event = eventbridge("com.example.orders", "Order Placed", &serde_json::json!({"id": "o-1"}));
/// assert_eq!(event["detail-type"], "Order Placed");
/// ```
pub fn eventbridge(source: &str, detail_type: &str, detail: &impl Serialize) -> Value {
    json!({
      "version": "0",
      "id": "7bf73129-1428-4cd3-a780-95db273d1602",
      "detail-type": detail_type,
      "source": source,
      "account": "123456789012",
      "time": "2021-11-11T21:29:54Z",
      "region": "us-east-1",
      "resources": [],
      "detail": to_json(detail)
    })
}

/// An S3 `ObjectCreated:Put` notification for `key` in `bucket`, the key
/// encoded as S3 encodes it (`my file(1).txt` as `my+file%281%29.txt`), so
/// a test exercises the handler's decoding.
///
/// ```
/// let event = lambda_kit::testing::events::s3_put("my-bucket", "my file(1).txt");
/// assert_eq!(event["Records"][0]["s3"]["object"]["key"], "my+file%281%29.txt");
/// ```
pub fn s3_put(bucket: &str, key: &str) -> Value {
    json!({
      "Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-2",
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
            "key": crate::events::encode_key(key),
            "size": 1305107,
            "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
            "sequencer": "0C0F6F405D6ED209E1"
          }
        }
      }]
    })
}

/// The `itemIdentifier`s of a partial batch response
/// (`{"batchItemFailures": [{"itemIdentifier": "..."}]}`), in order.
///
/// # Panics
///
/// If `response` is not that document, with a message showing it.
///
/// ```
/// use lambda_kit::testing::events::batch_item_failures;
///
/// let response = serde_json::json!({"batchItemFailures": [{"itemIdentifier": "msg-1"}]});
/// assert_eq!(batch_item_failures(&response), ["msg-1"]);
/// ```
pub fn batch_item_failures(response: &Value) -> Vec<String> {
    let not_a_batch_response = || {
        panic!("not a partial batch response {{\"batchItemFailures\": [{{\"itemIdentifier\": ...}}]}}: {response}")
    };
    let Some(failures) = response.get("batchItemFailures").and_then(Value::as_array) else {
        not_a_batch_response()
    };
    failures
        .iter()
        .map(
            |failure| match failure.get("itemIdentifier").and_then(Value::as_str) {
                Some(id) => id.to_owned(),
                None => not_a_batch_response(),
            },
        )
        .collect()
}

/// MD5 of `data` in hex, as SQS sends `md5OfBody`.
fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_event;
    use aws_lambda_events::dynamodb;
    use aws_lambda_events::eventbridge::EventBridgeEvent;
    use aws_lambda_events::kinesis::KinesisEvent;
    use aws_lambda_events::s3::S3Event;
    use aws_lambda_events::sns::{SnsEvent, SnsEventObj};
    use aws_lambda_events::sqs::SqsEvent;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize, PartialEq, Clone)]
    struct Order {
        id: String,
        qty: u32,
    }

    fn order(id: &str, qty: u32) -> Order {
        Order { id: id.into(), qty }
    }

    fn decode<T: serde::de::DeserializeOwned>(event: &Value) -> T {
        decode_event(&serde_json::to_vec(event).unwrap())
            .unwrap_or_else(|e| panic!("{}: {}", e.error_type, e.error_message))
    }

    #[test]
    fn md5_matches_sqs() {
        // From the sample SQS event of AWS's Lambda documentation.
        assert_eq!(
            md5_hex(b"Test message."),
            "e4e68fb7bd0e697a0ae8f1bb342846b3"
        );
        assert_eq!(md5_hex(b"Message Body"), "77a3cf88eba293be44f5fd5c61835a43");
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        // Padding fits in the last block, just does not, whole blocks.
        assert_eq!(md5_hex(&[b'a'; 55]), "ef1772b6dff9a122358552954ad0df65");
        assert_eq!(md5_hex(&[b'a'; 56]), "3b0c8ac703f828b04c6c197006d17218");
        assert_eq!(md5_hex(&[b'a'; 64]), "014842d480b571495a4a0363793f7367");
    }

    #[test]
    fn an_sqs_batch_is_an_sqs_event() {
        let batch = SqsBatch::new()
            .json(&order("o-1", 1))
            .body("not json")
            .json(&order("o-3", 3));
        let event: SqsEvent = decode(&batch.event());
        assert_eq!(event.records.len(), 3);
        let ids: Vec<_> = event
            .records
            .iter()
            .map(|r| r.message_id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["msg-0", "msg-1", "msg-2"]);
        assert_eq!(batch.message_id(2), "msg-2");
        assert_eq!(event.records[1].body.as_deref(), Some("not json"));
        let body: Order = serde_json::from_str(event.records[2].body.as_deref().unwrap()).unwrap();
        assert_eq!(body, order("o-3", 3));
        let record = &event.records[0];
        assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
        assert_eq!(record.attributes["ApproximateReceiveCount"], "1");
        assert!(!record.attributes.contains_key("MessageGroupId"));
        assert_eq!(
            record.md5_of_body.as_deref(),
            Some(md5_hex(record.body.as_deref().unwrap().as_bytes()).as_str())
        );
        assert!(!record
            .event_source_arn
            .as_deref()
            .unwrap()
            .ends_with(".fifo"));
    }

    #[test]
    fn a_fifo_batch_has_groups_and_increasing_sequence_numbers() {
        let batch = SqsBatch::fifo()
            .body("a")
            .body("b")
            .group("other")
            .body("c");
        let event: SqsEvent = decode(&batch.event());
        for record in &event.records {
            assert!(record
                .event_source_arn
                .as_deref()
                .unwrap()
                .ends_with(".fifo"));
        }
        let groups: Vec<_> = event
            .records
            .iter()
            .map(|r| r.attributes["MessageGroupId"].as_str())
            .collect();
        assert_eq!(groups, ["group-1", "group-1", "other"]);
        let sequence: Vec<u128> = event
            .records
            .iter()
            .map(|r| r.attributes["SequenceNumber"].parse().unwrap())
            .collect();
        assert!(sequence.windows(2).all(|w| w[0] < w[1]), "{sequence:?}");
    }

    #[test]
    fn a_kinesis_batch_is_a_kinesis_event() {
        let batch = KinesisBatch::new()
            .json(&order("o-1", 1))
            .data(&[0, 159, 146, 150]);
        let event: KinesisEvent = decode(&batch.event());
        assert_eq!(event.records.len(), 2);
        let first: Order = serde_json::from_slice(&event.records[0].kinesis.data).unwrap();
        assert_eq!(first, order("o-1", 1));
        assert_eq!(&event.records[1].kinesis.data[..], [0, 159, 146, 150]);
        for (i, record) in event.records.iter().enumerate() {
            assert_eq!(record.kinesis.sequence_number, batch.sequence_number(i));
        }
    }

    #[test]
    fn kinesis_sequence_numbers_increase_as_numbers_and_as_text() {
        let batch = KinesisBatch::new();
        let numbers: Vec<String> = [0, 1, 9, 10, 11, 100]
            .map(|i| batch.sequence_number(i))
            .into();
        for pair in numbers.windows(2) {
            assert_eq!(pair[0].len(), pair[1].len());
            assert!(pair[0] < pair[1], "{pair:?}");
            assert!(pair[0].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn a_dynamodb_batch_is_a_dynamodb_event() {
        let keys = json!({"id": "o-1"});
        let batch = DynamoDbBatch::new()
            .insert(&keys, &order("o-1", 1))
            .modify(&keys, &order("o-1", 1), &order("o-1", 2))
            .remove(&keys, &order("o-1", 2));
        let raw = batch.event();
        assert_eq!(
            raw["Records"][0]["dynamodb"]["Keys"],
            json!({"id": {"S": "o-1"}})
        );
        assert_eq!(
            raw["Records"][0]["dynamodb"]["NewImage"],
            json!({"id": {"S": "o-1"}, "qty": {"N": "1"}})
        );
        let event: dynamodb::Event = decode(&raw);
        let names: Vec<_> = event
            .records
            .iter()
            .map(|r| r.event_name.as_str())
            .collect();
        assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
        let modify = &event.records[1].change;
        let old: Order = serde_dynamo::from_item(modify.old_image.clone()).unwrap();
        let new: Order = serde_dynamo::from_item(modify.new_image.clone()).unwrap();
        assert_eq!((old, new), (order("o-1", 1), order("o-1", 2)));
        assert!(event.records[0].change.old_image.is_empty());
        assert!(event.records[2].change.new_image.is_empty());
        assert_eq!(
            event.records[2].change.stream_view_type,
            Some(dynamodb::StreamViewType::NewAndOldImages)
        );
        let sequence: Vec<u128> = event
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                assert_eq!(
                    r.change.sequence_number.as_deref(),
                    Some(batch.sequence_number(i).as_str())
                );
                batch.sequence_number(i).parse().unwrap()
            })
            .collect();
        assert!(sequence.windows(2).all(|w| w[0] < w[1]), "{sequence:?}");
        let ids: std::collections::HashSet<_> = event.records.iter().map(|r| &r.event_id).collect();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    #[should_panic(expected = "not a DynamoDB item")]
    fn a_dynamodb_image_must_be_a_map() {
        let _ = DynamoDbBatch::new().insert(&json!({"id": "o-1"}), &7);
    }

    #[test]
    fn sns_carries_the_message_as_json_text() {
        let event: SnsEventObj<Order> = decode(&sns(&order("o-1", 1)));
        assert_eq!(event.records[0].sns.message, order("o-1", 1));
        let event: SnsEvent = decode(&sns(&"plain"));
        assert_eq!(event.records[0].sns.message, "\"plain\"");
    }

    #[test]
    fn eventbridge_carries_source_type_and_detail() {
        let event: EventBridgeEvent<Order> = decode(&eventbridge(
            "com.example.orders",
            "Order Placed",
            &order("o-1", 1),
        ));
        assert_eq!(event.source, "com.example.orders");
        assert_eq!(event.detail_type, "Order Placed");
        assert_eq!(event.detail, order("o-1", 1));
    }

    #[test]
    fn s3_put_encodes_the_key_as_s3_does() {
        let raw = s3_put("my-bucket", "uploads/my file(1)+é.txt");
        let event: S3Event = decode(&raw);
        let object = &event.records[0].s3.object;
        assert_eq!(
            object.key.as_deref(),
            Some("uploads/my+file%281%29%2B%C3%A9.txt")
        );
        assert_eq!(
            event.records[0].s3.bucket.name.as_deref(),
            Some("my-bucket")
        );
        let objects: crate::events::S3Objects = decode(&raw);
        assert_eq!(objects[0].key, "uploads/my file(1)+é.txt");
        assert_eq!(objects[0].bucket, "my-bucket");
    }

    #[test]
    fn batch_item_failures_reads_the_identifiers_in_order() {
        let response = json!({"batchItemFailures": [
            {"itemIdentifier": "msg-2"}, {"itemIdentifier": "msg-0"}
        ]});
        assert_eq!(batch_item_failures(&response), ["msg-2", "msg-0"]);
        assert!(batch_item_failures(&json!({"batchItemFailures": []})).is_empty());
    }

    #[test]
    #[should_panic(expected = "not a partial batch response")]
    fn batch_item_failures_rejects_other_documents() {
        batch_item_failures(&json!({"statusCode": 200}));
    }

    #[test]
    #[should_panic(expected = "not a partial batch response")]
    fn batch_item_failures_rejects_entries_without_an_identifier() {
        batch_item_failures(&json!({"batchItemFailures": [{"id": "msg-1"}]}));
    }
}
