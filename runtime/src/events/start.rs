//! The bootstrap of a batch handler: the whole batch is the invocation's
//! event, handled by [`super::batch::run`], so decoding, deadlines,
//! logging, local mode and shutdown are the ones every handler has.

use std::future::Future;
use std::marker::PhantomData;
use std::process::ExitCode;
use std::sync::Arc;

use lambda_runtime::Context;

use super::batch::{self, BatchOutput, FromRecord, Limits, RecordHandler, Source};
use crate::bootstrap::{self, Spec};
use crate::concurrency::{Concurrent, Loop, Parts, Probe, Serving, Why};
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
    serving: Serving<Batch<Src, E, H>, S>,
) -> ExitCode
where
    Src: Source + 'static,
    E: FromRecord<Src> + 'static,
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
    let batch = Batch {
        handler,
        limits,
        types: PhantomData,
    };
    bootstrap::start_as(
        spec,
        BATCH_MODE,
        init,
        shutdown,
        whole_batches!(Batch { ..batch }),
        batch,
        serving,
    )
}

/// Not public API: what a batch bootstrap's loop is built from.
#[doc(hidden)]
pub struct Batch<Src, E, H: 'static> {
    handler: &'static H,
    limits: Limits,
    types: PhantomData<fn() -> (Src, E)>,
}

/// The handler of whole batches, living as long as the process, built
/// from a [`Batch`] where `Src`, `E`, `S` and `H` are in scope (a macro,
/// as the closure's type cannot be named).
macro_rules! whole_batches {
    ($batch:expr) => {{
        let Batch {
            handler, limits, ..
        } = $batch;
        &*Box::leak(Box::new(
            move |event: Src::Event, context: Context, state: &'static S| {
                batch::run::<Src, E, S, H>(handler, event, context, state, limits)
            },
        ))
    }};
}
use whole_batches;

/// The concurrent loop of a batch bootstrap.
pub(crate) fn concurrent_loop<Src, E, S, H>(
    batch: Batch<Src, E, H>,
    state: &'static S,
    parts: Parts,
) -> Loop
where
    Src: Source + 'static,
    Src::Event: Send,
    Src::Record: Send,
    Src::Response: Send,
    E: FromRecord<Src> + Send + 'static,
    S: Sync + 'static,
    H: RecordHandler<E, Src::Record, S> + Sync + 'static,
    H::Future: Send,
    H::Output: Send,
{
    bootstrap::concurrent_loop(whole_batches!(batch), state, parts)
}

/// Not public API: the probe of a batch handler (see
/// the `concurrency` module).
#[doc(hidden)]
pub fn probe<Src, E, O, S, H, F, I>(_init: &I, _handler: &H) -> Probe<E, O, S, Batch<Src, E, H>, H>
where
    Src: Source,
    S: 'static,
    I: Init<S>,
    H: Fn(E, Src::Record, Arc<Context>, &'static S) -> F,
    F: Future<Output = Result<O, Diagnostic>>,
{
    Probe(PhantomData)
}

impl<Src, E, O, S, H, F> Concurrent<Batch<Src, E, H>, S> for Probe<E, O, S, Batch<Src, E, H>, H>
where
    Src: Source + 'static,
    Src::Event: Send,
    Src::Record: Send,
    Src::Response: Send,
    E: FromRecord<Src> + Send + 'static,
    O: Send,
    S: Sync + 'static,
    H: Fn(E, Src::Record, Arc<Context>, &'static S) -> F + Sync + 'static,
    F: Future<Output = Result<O, Diagnostic>> + Send,
{
    fn serving(&self, _: [Option<Why>; 3]) -> Serving<Batch<Src, E, H>, S> {
        Serving(Ok(concurrent_loop::<Src, E, S, H>))
    }
}
