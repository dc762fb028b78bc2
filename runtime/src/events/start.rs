//! The bootstrap of a batch handler: the whole batch is the invocation's
//! event, handled by [`super::batch::run`], so decoding, deadlines,
//! logging, local mode and shutdown are the ones every handler has.

use std::process::ExitCode;

use lambda_runtime::Context;

use super::batch::{self, BatchOutput, FromRecord, Limits, RecordHandler, Source};
use crate::bootstrap::{self, Spec};
use crate::init::Init;
use crate::local;
use crate::shutdown::Shutdown;
use crate::Diagnostic;

/// Local mode of a batch handler: it needs the batch event.
const BATCH_MODE: local::Mode = local::Mode {
    usage: "\
usage: BOOTSTRAP [EVENT_JSON | --event FILE | -]

Runs the handler on each record of the batch event (an SQS, Kinesis or
DynamoDB Streams event as Lambda sends it) and prints the partial batch
response on stdout: {\"batchItemFailures\": [...]} (errors as
{\"errorType\", \"errorMessage\"} on stderr, exit status 1).
Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it serves invocations instead.",
    without_event: Some(
        "a batch handler needs the batch event: pass its JSON, `--event FILE`, or pipe it in \
         (lambda_kit::testing::events builds them)",
    ),
};

/// Runs a batch bootstrap: the generated `main` of
/// `#[lambda_handler(sqs | kinesis | dynamodb)]`. It names the record's
/// event type `E` and the handler's output `O` as written, so a misfit is
/// reported at them.
pub fn start<Src, E, O, S, H, I, K>(
    has_shutdown: bool,
    init: I,
    shutdown: K,
    handler: H,
) -> ExitCode
where
    Src: Source,
    E: FromRecord<Src>,
    O: BatchOutput,
    S: 'static,
    H: RecordHandler<E, Src::Record, S, Output = O> + 'static,
    I: Init<S>,
    K: Shutdown<S>,
{
    // Lives as long as the process, like the init state.
    let handler: &'static H = Box::leak(Box::new(handler));
    let concurrency =
        batch::parse_concurrency(std::env::var(batch::CONCURRENCY_ENV).ok().as_deref());
    let limits = Limits {
        concurrency: *concurrency.as_ref().unwrap_or(&1),
    };
    // A bad setting fails init, as the other settings do.
    let init = move || async move {
        match concurrency {
            Ok(_) => init.run().await,
            Err(error_message) => Err(Diagnostic {
                error_type: "Runtime.InvalidEnvironment".to_owned(),
                error_message,
            }),
        }
    };
    let spec = Spec {
        reads_event: true,
        shutdown: has_shutdown,
    };
    bootstrap::start_as(
        spec,
        BATCH_MODE,
        init,
        shutdown,
        move |event: Src::Event, context: Context, state: &'static S| {
            batch::run::<Src, E, S, H>(handler, event, context, state, limits)
        },
    )
}
