//! EventBridge (CloudWatch Events) events, the `detail` decoded into the
//! handler's type.
//!
//! A handler takes [`EventBridgeEvent<T>`](EventBridgeEvent); `source`
//! and `detail_type` say what happened, `detail` is the payload. A detail
//! that does not fit `T` is a `Runtime.UnmarshalError` naming the field
//! (`detail.state: ...`) and the handler is not called.

/// An EventBridge event whose `detail` is decoded into `T`
/// (`serde_json::Value` when omitted): `source` (`"aws.ec2"`, your
/// application's name), `detail_type` (`"EC2 Instance State-change
/// Notification"`), `id`, `account`, `time`, `region`, `resources`.
///
/// `T` must implement both `Deserialize` and `Serialize` (the type's own
/// bound). A detail that does not fit is a `Runtime.UnmarshalError` naming
/// the field, e.g. ``detail.state: invalid type: integer `7`, expected a
/// string``:
///
/// ```no_run
/// use lambda_kit::events::EventBridgeEvent;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct StateChange { instance_id: String, state: String }
///
/// #[lambda_kit::lambda_handler]
/// async fn on_change(event: EventBridgeEvent<StateChange>) {
///     if event.detail_type == "EC2 Instance State-change Notification" {
///         let StateChange { instance_id, state } = event.detail;
///         lambda_kit::tracing::info!(%instance_id, %state, source = %event.source, "state change");
///     }
/// }
/// ```
///
/// In a unit test, [`decode_event`](crate::decode_event) decodes a payload as
/// the bootstrap does (`lambda_kit::testing::events::eventbridge` builds
/// one, with feature `testing`).
pub use aws_lambda_events::eventbridge::EventBridgeEvent;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_event;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct StateChange {
        instance_id: String,
        state: String,
    }

    /// AWS's sample EC2 state-change event, with `detail` as given.
    fn event(detail: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
          "version": "0",
          "id": "7bf73129-1428-4cd3-a780-95db273d1602",
          "detail-type": "EC2 Instance State-change Notification",
          "source": "aws.ec2",
          "account": "123456789012",
          "time": "2021-11-11T21:29:54Z",
          "region": "us-east-1",
          "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
          "detail": detail
        }))
        .unwrap()
    }

    #[test]
    fn decodes_the_detail_and_keeps_the_envelope() {
        let bytes = event(serde_json::json!({"instance-id": "i-abcd1111", "state": "pending"}));
        let event: EventBridgeEvent<StateChange> = decode_event(&bytes).unwrap();
        assert_eq!(
            event.detail,
            StateChange {
                instance_id: "i-abcd1111".into(),
                state: "pending".into()
            }
        );
        assert_eq!(event.source, "aws.ec2");
        assert_eq!(event.detail_type, "EC2 Instance State-change Notification");
        assert_eq!(event.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            event.id.as_deref(),
            Some("7bf73129-1428-4cd3-a780-95db273d1602")
        );
    }

    #[test]
    fn the_detail_defaults_to_a_json_value() {
        let bytes = event(serde_json::json!({"anything": [1, 2]}));
        let event: EventBridgeEvent = decode_event(&bytes).unwrap();
        assert_eq!(event.detail["anything"][1], 2);
    }

    #[test]
    fn a_bad_detail_names_the_field() {
        let bytes = event(serde_json::json!({"instance-id": "i-abcd1111", "state": 7}));
        let err = decode_event::<EventBridgeEvent<StateChange>>(&bytes).unwrap_err();
        assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
        assert!(
            err.error_message
                .starts_with("detail.state: invalid type: integer `7`, expected a string"),
            "{}",
            err.error_message
        );

        let bytes = event(serde_json::json!({"state": "pending"}));
        let err = decode_event::<EventBridgeEvent<StateChange>>(&bytes).unwrap_err();
        assert!(
            err.error_message
                .starts_with("detail: missing field `instance-id`"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn a_missing_detail_type_is_an_unmarshal_error() {
        let err = decode_event::<EventBridgeEvent>(br#"{"source": "aws.ec2", "detail": {}}"#)
            .unwrap_err();
        assert!(
            err.error_message.starts_with("missing field `detail-type`"),
            "{}",
            err.error_message
        );
    }
}
