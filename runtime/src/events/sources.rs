//! The three batch sources: how each names its records, orders them,
//! decodes them and answers.

use std::any::Any;

use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_lambda_events::event::streams::{
    DynamoDbBatchItemFailure, DynamoDbEventResponse, KinesisBatchItemFailure, KinesisEventResponse,
};
use serde::de::DeserializeOwned;
use tracing::Span;

use super::batch::{FromRecord, Ordering, Source};
use super::change::Change;
use crate::decode::decode;
use crate::{Diagnostic, UNMARSHAL_ERROR};

/// `#[lambda_handler(sqs)]`: SQS queues, standard and FIFO.
pub struct Sqs;

impl Source for Sqs {
    type Event = SqsEvent;
    type Record = SqsMessage;
    type Response = SqsBatchResponse;
    const ID: &'static str = "messageId";

    fn ordering(event: &SqsEvent) -> Ordering {
        // A batch comes from one queue; a FIFO queue's name ends `.fifo`.
        let fifo = event.records.iter().any(|record| {
            record
                .event_source_arn
                .as_deref()
                .is_some_and(|arn| arn.ends_with(".fifo"))
        });
        if fifo {
            Ordering::StopReportingRest
        } else {
            Ordering::Independent
        }
    }

    fn records(event: SqsEvent) -> Vec<SqsMessage> {
        event.records
    }

    fn id(record: &SqsMessage) -> Option<&str> {
        record.message_id.as_deref().filter(|id| !id.is_empty())
    }

    fn span(id: &str) -> Span {
        tracing::error_span!("record", messageId = %id, correlationId = %id)
    }

    fn response(failed: Vec<String>) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        response
    }
}

/// `#[lambda_handler(kinesis)]`: Kinesis data streams.
pub struct Kinesis;

impl Source for Kinesis {
    type Event = KinesisEvent;
    type Record = KinesisEventRecord;
    type Response = KinesisEventResponse;
    const ID: &'static str = "sequenceNumber";

    fn ordering(_: &KinesisEvent) -> Ordering {
        Ordering::StopReportingFirst
    }

    fn records(event: KinesisEvent) -> Vec<KinesisEventRecord> {
        event.records
    }

    fn id(record: &KinesisEventRecord) -> Option<&str> {
        Some(record.kinesis.sequence_number.as_str()).filter(|id| !id.is_empty())
    }

    /// `shardId:sequenceNumber`: sequence numbers are unique per shard only.
    fn delivery_id(record: &KinesisEventRecord) -> Option<&str> {
        record.event_id.as_deref().filter(|id| !id.is_empty())
    }

    fn span(id: &str) -> Span {
        tracing::error_span!("record", sequenceNumber = %id)
    }

    fn response(failed: Vec<String>) -> KinesisEventResponse {
        let mut response = KinesisEventResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = KinesisBatchItemFailure::default();
                failure.item_identifier = Some(id);
                failure
            })
            .collect();
        response
    }
}

/// `#[lambda_handler(dynamodb)]`: DynamoDB Streams.
pub struct DynamoDb;

impl Source for DynamoDb {
    type Event = DynamoDbEvent;
    type Record = EventRecord;
    type Response = DynamoDbEventResponse;
    const ID: &'static str = "SequenceNumber";

    fn ordering(_: &DynamoDbEvent) -> Ordering {
        Ordering::StopReportingFirst
    }

    fn records(event: DynamoDbEvent) -> Vec<EventRecord> {
        event.records
    }

    fn id(record: &EventRecord) -> Option<&str> {
        record
            .change
            .sequence_number
            .as_deref()
            .filter(|id| !id.is_empty())
    }

    fn delivery_id(record: &EventRecord) -> Option<&str> {
        Some(record.event_id.as_str()).filter(|id| !id.is_empty())
    }

    fn span(id: &str) -> Span {
        tracing::error_span!("record", sequenceNumber = %id)
    }

    fn response(failed: Vec<String>) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(id);
                failure
            })
            .collect();
        response
    }
}

/// `value` as a `T` when `T` is `V` itself: a `String` event takes an SQS
/// body as it is, `Vec<u8>` Kinesis data as it is.
fn verbatim<T: 'static, V: 'static>(value: impl FnOnce() -> V) -> Option<T> {
    if std::any::TypeId::of::<T>() != std::any::TypeId::of::<V>() {
        return None;
    }
    let mut slot = Some(value());
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(Option::take)
}

fn unmarshal(error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: UNMARSHAL_ERROR.to_owned(),
        error_message,
    }
}

/// The body as JSON into `T`, or as it is for `String`.
impl<T: DeserializeOwned + 'static> FromRecord<Sqs> for T {
    fn from_record(record: &SqsMessage) -> Result<T, Diagnostic> {
        let body = record.body.as_deref().unwrap_or_default();
        if let Some(text) = verbatim::<T, String>(|| body.to_owned()) {
            return Ok(text);
        }
        decode(body.as_bytes()).map_err(|error| unmarshal(format!("body: {}", error.error_message)))
    }
}

/// The data (base64 in the event) as JSON into `T`, as it is for
/// `Vec<u8>`, or as text for `String`.
impl<T: DeserializeOwned + 'static> FromRecord<Kinesis> for T {
    fn from_record(record: &KinesisEventRecord) -> Result<T, Diagnostic> {
        let data: &[u8] = &record.kinesis.data.0;
        if let Some(bytes) = verbatim::<T, Vec<u8>>(|| data.to_vec()) {
            return Ok(bytes);
        }
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<String>() {
            let text = std::str::from_utf8(data)
                .map_err(|error| unmarshal(format!("data: not UTF-8 text: {error}")))?;
            return Ok(verbatim::<T, String>(|| text.to_owned()).expect("`T` is `String`"));
        }
        decode(data).map_err(|error| unmarshal(format!("data: {}", error.error_message)))
    }
}

/// The images as `T`s, the kind of change and the keys.
impl<T: DeserializeOwned> FromRecord<DynamoDb> for Change<T> {
    fn from_record(record: &EventRecord) -> Result<Change<T>, Diagnostic> {
        Change::decode(record).map_err(unmarshal)
    }
}

/// The event of a batch handler without an event parameter: nothing is
/// decoded, so no record fails for its contents.
pub struct Skip;

impl<Src: Source> FromRecord<Src> for Skip {
    fn from_record(_: &Src::Record) -> Result<Skip, Diagnostic> {
        Ok(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinesis(data: &[u8]) -> KinesisEventRecord {
        let mut record: KinesisEventRecord = serde_json::from_value(json!({
            "kinesis": {"partitionKey": "p", "sequenceNumber": "1", "data": "",
                        "approximateArrivalTimestamp": 1.0, "kinesisSchemaVersion": "1.0"}
        }))
        .unwrap();
        record.kinesis.data.0 = data.to_vec();
        record
    }

    fn sqs(body: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.body = Some(body.to_owned());
        message
    }

    #[test]
    fn sqs_bodies_decode_as_json_or_arrive_as_they_are() {
        let body = sqs(r#"{"qty": 2}"#);
        let value: serde_json::Value = FromRecord::<Sqs>::from_record(&body).unwrap();
        assert_eq!(value, json!({"qty": 2}));
        let raw: String = FromRecord::<Sqs>::from_record(&sqs("not json")).unwrap();
        assert_eq!(raw, "not json");
        let error = <u32 as FromRecord<Sqs>>::from_record(&sqs(r#""2""#)).unwrap_err();
        assert_eq!(error.error_type, UNMARSHAL_ERROR);
        assert!(
            error
                .error_message
                .starts_with("body: invalid type: string"),
            "{}",
            error.error_message
        );
    }

    #[test]
    fn kinesis_data_decodes_as_json_bytes_or_text() {
        let bytes: Vec<u8> = FromRecord::<Kinesis>::from_record(&kinesis(b"\xff\x00")).unwrap();
        assert_eq!(bytes, b"\xff\x00");
        let text: String = FromRecord::<Kinesis>::from_record(&kinesis(b"plain")).unwrap();
        assert_eq!(text, "plain");
        let error = <String as FromRecord<Kinesis>>::from_record(&kinesis(b"\xff")).unwrap_err();
        assert!(
            error.error_message.starts_with("data: not UTF-8 text"),
            "{}",
            error.error_message
        );
        let value: serde_json::Value =
            FromRecord::<Kinesis>::from_record(&kinesis(br#"[1]"#)).unwrap();
        assert_eq!(value, json!([1]));
        let error =
            <Vec<u32> as FromRecord<Kinesis>>::from_record(&kinesis(br#"[1, "x"]"#)).unwrap_err();
        assert!(
            error.error_message.starts_with("data: [1]: invalid type"),
            "{}",
            error.error_message
        );
    }

    #[test]
    fn fifo_queues_are_told_by_their_arn() {
        let event = |arn: &str| -> SqsEvent {
            serde_json::from_value(json!({"Records": [{"messageId": "m", "eventSourceARN": arn}]}))
                .unwrap()
        };
        assert_eq!(
            Sqs::ordering(&event("arn:aws:sqs:eu-west-1:1:q.fifo")),
            Ordering::StopReportingRest
        );
        assert_eq!(
            Sqs::ordering(&event("arn:aws:sqs:eu-west-1:1:q")),
            Ordering::Independent
        );
    }
}
