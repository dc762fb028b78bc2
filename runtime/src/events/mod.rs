//! Event sources (feature `events`): SQS, Kinesis and DynamoDB Streams
//! batches handled one record per call with partial batch failures, and
//! typed SNS, EventBridge and S3 events.
//!
//! # Batches: one record per call
//!
//! ```no_run
//! use lambda_kit::events::SqsMessage;
//! use lambda_kit::{lambda_handler, Context};
//!
//! #[derive(serde::Deserialize)]
//! struct Order { id: u64, qty: u32 }
//!
//! #[lambda_handler(sqs)]
//! async fn place(order: Order, message: &SqsMessage, ctx: &Context) -> Result<(), lambda_kit::Error> {
//!     if order.qty == 0 {
//!         return Err(lambda_kit::Error::msg(format!("order {} has no items", order.id)));
//!     }
//!     lambda_kit::tracing::info!(id = order.id, receipt = ?message.receipt_handle, "placing");
//!     Ok(())
//! }
//! ```
//!
//! `#[lambda_handler(sqs)]`, `#[lambda_handler(kinesis)]` and
//! `#[lambda_handler(dynamodb)]` make the function the handler of **one
//! record**; the generated bootstrap takes the whole batch Lambda sends
//! and answers the partial batch response,
//! `{"batchItemFailures": [{"itemIdentifier": "..."}]}`, listing the records
//! that failed, so the source redelivers only those.
//!
//! **Enable `FunctionResponseTypes: [ReportBatchItemFailures]`** on the
//! event source mapping (SAM: on the `SQS`, `Kinesis` or `DynamoDB` event).
//! Without it Lambda ignores the response: the batch counts as done, so SQS
//! deletes every message and the streams checkpoint past every record,
//! failed ones included, and, on FIFO queues and streams, the records
//! after a failure that were never run.
//!
//! ## Parameters
//!
//! In any order, each at most once; `init`, `shutdown` and `crate` work as
//! for every [`lambda_handler`](crate::lambda_handler):
//!
//! | parameter | `sqs` | `kinesis` | `dynamodb` |
//! |---|---|---|---|
//! | the event (owned) | the body as JSON into any `Deserialize` type; `String` takes it as it is | the data (base64 in the event, decoded) as JSON into any `Deserialize` type; `Vec<u8>` as it is, `String` as UTF-8 text | [`Change<T>`]: the kind of change, the keys, and the old and new images decoded into `T` |
//! | the record's metadata | `&`[`SqsMessage`] (message id, attributes such as `ApproximateReceiveCount`, message attributes, receipt handle) | `&`[`KinesisEventRecord`] (partition key, sequence number, arrival time) | `&`[`DynamoDbRecord`] (event id, name, table, the raw images) |
//!
//! plus `&Context` (or `Context`, a copy per record) and the init state
//! `&State` with `init`.
//! Without an event parameter nothing is decoded. The function returns
//! `()` or `Result<(), E>` (`E: Display`; its `errorType` is named as for
//! any handler, see [`ErrorType`](crate::ErrorType)): a record has nothing
//! to answer but whether it succeeded.
//!
//! ## What fails a record, and what that means for the rest
//!
//! A record fails when it does not decode (logged as
//! `Runtime.UnmarshalError` with the field path:
//! `body: qty: invalid type: string "many", expected u32 at line 1 column 20`),
//! when the function returns `Err`, when it panics (`Panic`), and when it
//! is still running at the batch's cutoff (`Runtime.Timeout`, below).
//! Every failure is logged at `ERROR` inside a `record` span carrying the
//! record's id (`messageId` for SQS, `sequenceNumber` for the streams),
//! nested in the invocation's span, so it carries the request id too; the
//! function's own log lines carry both.
//!
//! | source | order | on a failure | reported |
//! |---|---|---|---|
//! | standard SQS queue | none | the other records go on | every failed record's `messageId` |
//! | FIFO SQS queue (ARN ending `.fifo`) | kept | processing stops | the failed record and every later one, so none overtakes it |
//! | Kinesis, DynamoDB Streams | kept | processing stops | the failed record's sequence number only: the service checkpoints before it and redelivers from there |
//!
//! A FIFO batch stops whole at its first failure, records of other message
//! groups included. A message delivered twice in one batch runs twice and
//! is reported once; delivery is at least once anyway, so make the
//! handler's effects idempotent (the `orders_queue` example does it at the
//! database). Under `panic = "abort"` a panic ends the process (the
//! bootstrap answers the invocation with it first), so the whole batch is
//! redelivered: keep the default, `panic = "unwind"`. Tumbling-window
//! events (Kinesis and DynamoDB Streams with `TumblingWindowInSeconds`)
//! carry a state these handlers do not answer: take the whole event with a
//! plain `#[lambda_handler]` instead.
//!
//! **When no record succeeds**, the invocation fails as a whole with
//! [`BATCH_FAILED_ERROR`] (`Runtime.BatchFailed`) instead of a response
//! listing every record. The source retries the batch either way; as an
//! invocation error the outage shows in the function's `Errors` metric and
//! alarms (a response listing every record counts as a success), SQS event
//! source mappings back off instead of polling at full speed, and Kinesis
//! and DynamoDB Streams apply the mapping's retry, bisect-on-error and
//! on-failure destination settings. Powertools makes the same choice. An
//! empty batch succeeds with nothing to report. A record with no
//! `messageId` (or sequence number) could not be reported, so such a batch
//! is refused whole as a `Runtime.UnmarshalError` before any record runs.
//!
//! ## Deadline
//!
//! A record starts only while more than twice the deadline margin
//! (`LAMBDA_KIT_DEADLINE_MARGIN_MS`, 100 ms by default: so 200 ms) is left
//! before the invocation's deadline; a record still running then is
//! cancelled (its future dropped, as for any handler) and reported as
//! failed with `Runtime.Timeout`, and the records not started are reported
//! as failed too (logged once, with their number). The batch then answers
//! in time with what it has, rather than timing out as a whole and having
//! every record redelivered, including those that succeeded.
//!
//! ## Concurrency
//!
//! Records run one at a time by default. For a standard queue,
//! [`CONCURRENCY_ENV`] (`LAMBDA_KIT_BATCH_CONCURRENCY=10`) lets that many
//! run at once on the invocation's task: worth it when records wait on
//! I/O (an HTTP call, a query on a pool with as many connections). One at
//! a time is the default because it is what a handler written for one
//! record expects (a pool of one connection, per-record ordering of side
//! effects) and because, for CPU-light records, interleaving only adds
//! overhead. FIFO queues and streams always run in order. A value that is
//! not a whole number from 1 to 10000 fails init.
//!
//! ## Testing
//!
//! [`testing::events`](crate::testing) (features `testing` and `events`)
//! builds the events Lambda sends, a mixed batch in one line, and reads
//! the response:
//!
//! ```no_run
//! # #[cfg(feature = "testing")]
//! # async fn test() -> Result<(), Box<dyn std::error::Error>> {
//! use lambda_kit::testing::events::{batch_item_failures, SqsBatch};
//! use lambda_kit::testing::Function;
//! use serde_json::json;
//!
//! let mut function = Function::spawn("target/debug/place").await?;
//! let batch = SqsBatch::new()
//!     .json(&json!({"id": 1, "qty": 2}))
//!     .body("not json")
//!     .json(&json!({"id": 3, "qty": 0}));
//! let response = function.invoke(&batch.event()).await?.unwrap();
//! assert_eq!(batch_item_failures(&response), [batch.message_id(1), batch.message_id(2)]);
//! # Ok(())
//! # }
//! ```
//!
//! Locally, the bootstrap runs on a batch event given as JSON, a file
//! (`--event batch.json`) or standard input, and prints the response.
//!
//! # Single events: SNS, EventBridge, S3
//!
//! These arrive one event per invocation; a plain `#[lambda_handler]` takes
//! them as its event:
//!
//! - [`SnsEventObj<T>`]: every record's message JSON decoded into `T`
//!   ([`SnsEvent`] keeps it as text);
//! - [`EventBridgeEvent<T>`]: `detail` decoded into `T`, with `detail_type`,
//!   `source` and the rest of the envelope;
//! - [`S3Objects`]: each notified object's bucket and key, the key decoded
//!   from the form encoding S3 sends (`my+file%281%29.txt` is
//!   `my file(1).txt`; [`decode_key`] alone).
//!
//! A failure is an invocation error, which Lambda retries as configured
//! for asynchronous invocations (then the on-failure destination or
//! dead-letter queue).

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
    pub use super::start::{probe, start, Batch};
}
