//! The SQS batch of `batch_kit.rs` hand-written on
//! `lambda_runtime::run(service_fn(...))` and `aws_lambda_events`: each
//! record's body decoded with `serde_json::from_str`, the same check, and
//! the failed records' ids collected into an `SqsBatchResponse`.

mod batch_order;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use batch_order::Order;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

fn main() -> Result<(), Error> {
    runtime()?.block_on(serve())
}

/// `#[tokio::main]` (multi-thread, the documented way) unless
/// `BENCH_FLAVOR=current_thread` asks for the runtime lambda-kit uses.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match std::env::var("BENCH_FLAVOR").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build()
}

async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        let mut response = SqsBatchResponse::default();
        for record in event.payload.records {
            let outcome = serde_json::from_str::<Order>(record.body.as_deref().unwrap_or_default())
                .map_err(Error::from)
                .and_then(|order| batch_order::place(&order).map_err(Error::from));
            if let Err(error) = outcome {
                let id = record.message_id.unwrap_or_default();
                // One log line per failed record, as the macro's bootstrap
                // writes one; without it a failure would leave no trace.
                tracing::error!(message_id = %id, "record failed: {error}");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
        Ok::<_, Error>(response)
    }))
    .await
}
