//! SNS notifications, the message's JSON decoded into the handler's type.
//!
//! A handler takes [`SnsEventObj<T>`](SnsEventObj): every record's
//! `Sns.Message` (a string holding JSON) is decoded into `T` before the
//! handler runs, so a message that does not fit is a
//! `Runtime.UnmarshalError` naming the record
//! (`Records[0].Sns.Message: invalid type: ... at line 1 column 24`) and
//! the handler is not called. [`SnsEvent`] keeps the message as text.

/// A message attribute of an SNS notification (`Type` `String` or
/// `Binary`, and its value).
pub use aws_lambda_events::sns::MessageAttribute as SnsMessageAttribute;
/// An SNS event with the messages as text (`event.records[i].sns.message:
/// String`), for messages that are not JSON.
pub use aws_lambda_events::sns::SnsEvent;
/// An SNS event whose messages are JSON decoded into `T`
/// (`event.records[i].sns.message: T`).
///
/// `T` must implement both `Deserialize` and `Serialize` (the type's own
/// bound). A message that is not JSON, or JSON that does not fit `T`, makes
/// the event a `Runtime.UnmarshalError` naming the record
/// (`Records[0].Sns.Message`), the problem and where in the message it is:
///
/// ```no_run
/// use lambda_kit::events::SnsEventObj;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Order { id: String, qty: u32 }
///
/// #[lambda_kit::lambda_handler]
/// async fn place(event: SnsEventObj<Order>) -> Result<(), lambda_kit::Error> {
///     for record in event.records {
///         let order = record.sns.message;
///         lambda_kit::tracing::info!(id = %order.id, qty = order.qty, "order");
///     }
///     Ok(())
/// }
/// ```
///
/// In a unit test, [`decode_event`](crate::decode_event) decodes a payload as
/// the bootstrap does (`lambda_kit::testing::events::sns` builds one, with
/// feature `testing`).
pub use aws_lambda_events::sns::SnsEventObj;
/// An SNS notification with its message as text.
pub use aws_lambda_events::sns::SnsMessage;
/// An SNS notification whose `message` is decoded into `T`, with its id,
/// topic, subject, timestamp and attributes.
pub use aws_lambda_events::sns::SnsMessageObj;
/// A record of an [`SnsEvent`].
pub use aws_lambda_events::sns::SnsRecord;
/// A record of an [`SnsEventObj<T>`](SnsEventObj): the subscription and the
/// message.
pub use aws_lambda_events::sns::SnsRecordObj;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_event;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Order {
        id: String,
        qty: u32,
    }

    /// AWS's sample SNS event, with `message` as the message's JSON text.
    fn event(message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
          "Records": [{
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:orders:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
            "EventSource": "aws:sns",
            "Sns": {
              "SignatureVersion": "1",
              "Timestamp": "2019-01-02T12:45:07.000Z",
              "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
              "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
              "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
              "Message": message,
              "MessageAttributes": {
                "Test": {"Type": "String", "Value": "TestString"}
              },
              "Type": "Notification",
              "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&amp;SubscriptionArn=arn:aws:sns:us-east-1:123456789012:orders",
              "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
              "Subject": "TestInvoke"
            }
          }]
        }))
        .unwrap()
    }

    #[test]
    fn decodes_the_message_into_the_type() {
        let event: SnsEventObj<Order> = decode_event(&event(r#"{"id":"o-1","qty":2}"#)).unwrap();
        let record = &event.records[0];
        assert_eq!(
            record.sns.message,
            Order {
                id: "o-1".into(),
                qty: 2
            }
        );
        assert_eq!(
            record.sns.topic_arn,
            "arn:aws:sns:us-east-1:123456789012:orders"
        );
        assert_eq!(record.sns.message_attributes["Test"].value, "TestString");
    }

    #[test]
    fn the_untyped_event_keeps_the_text() {
        let event: SnsEvent = decode_event(&event("plain text")).unwrap();
        assert_eq!(event.records[0].sns.message, "plain text");
    }

    #[test]
    fn a_message_of_the_wrong_shape_names_the_record_and_the_problem() {
        let err =
            decode_event::<SnsEventObj<Order>>(&event(r#"{"id":"o-1","qty":"many"}"#)).unwrap_err();
        assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
        assert!(
            err.error_message.starts_with(
                "Records[0].Sns.Message: invalid type: string \"many\", expected u32 at line 1 column 24"
            ),
            "{}",
            err.error_message
        );

        let err = decode_event::<SnsEventObj<Order>>(&event(r#"{"id":"o-1"}"#)).unwrap_err();
        assert!(
            err.error_message
                .starts_with("Records[0].Sns.Message: missing field `qty`"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn a_message_that_is_not_json_names_the_record() {
        let err = decode_event::<SnsEventObj<Order>>(&event("plain text")).unwrap_err();
        assert!(
            err.error_message
                .starts_with("Records[0].Sns.Message: expected value at line 1 column 1"),
            "{}",
            err.error_message
        );
    }
}
