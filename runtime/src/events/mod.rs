//! Event sources (feature `events`): SQS, Kinesis and DynamoDB Streams
//! batches handled one record per call with partial batch failures, and
//! typed SNS, EventBridge and S3 events.

mod eventbridge;
mod s3;
mod sns;

pub use eventbridge::*;
pub use s3::*;
pub use sns::*;
