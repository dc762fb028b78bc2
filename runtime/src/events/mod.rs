//! Event sources (feature `events`): SQS, Kinesis and DynamoDB Streams
//! batches handled one record per call with partial batch failures, and
//! typed SNS, EventBridge and S3 events.

mod batch;
mod change;
mod eventbridge;
mod s3;
mod sns;
mod sources;
mod start;

pub use batch::{BATCH_FAILED_ERROR, CONCURRENCY_ENV};
pub use change::{Change, ChangeKind};
pub use eventbridge::*;
pub use s3::*;
pub use sns::*;

// The record types a batch handler's metadata parameter borrows, and the
// whole batches (for a handler that takes one as its event), as
// `aws_lambda_events` defines them.
pub use aws_lambda_events::event::dynamodb::{
    Event as DynamoDbEvent, EventRecord as DynamoDbRecord,
};
pub use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
pub use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
/// The attribute-value map of DynamoDB (keys and images).
pub use serde_dynamo::Item;

/// Not public API: what the batch handlers expand to.
#[doc(hidden)]
pub mod __private {
    pub use super::batch::{BatchOutput, FromRecord, RecordHandler, Source};
    pub use super::sources::{DynamoDb, Kinesis, Skip, Sqs};
    pub use super::start::start;
}
