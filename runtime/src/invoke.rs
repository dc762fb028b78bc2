//! One invocation: decoded event in, handler called, panics caught, outcome
//! out. Shared by the Runtime API loop and local mode so both behave alike.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::task::{Context as TaskContext, Poll};

use futures_util::future::{CatchUnwind, Either, Map, Ready};
use futures_util::FutureExt;
use lambda_runtime::{Context, LambdaEvent, Service};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::layers::deadline::{bounded, settle_deadline, Bounded};
use crate::layers::{Decoded, Ticket};
use crate::Diagnostic;

/// The `errorType` of an invocation whose handler panicked.
pub const PANIC_ERROR: &str = "Panic";

type Caught<T> = Result<Result<T, Diagnostic>, Box<dyn Any + Send>>;

/// A handler future whose panics become error documents.
pub(crate) type Guarded<F, T> =
    Map<CatchUnwind<AssertUnwindSafe<F>>, fn(Caught<T>) -> Result<T, Diagnostic>>;

pub(crate) fn guard<F, T>(future: F) -> Guarded<F, T>
where
    F: Future<Output = Result<T, Diagnostic>>,
{
    AssertUnwindSafe(future)
        .catch_unwind()
        .map(flatten_panic as fn(_) -> _)
}

fn flatten_panic<T>(caught: Caught<T>) -> Result<T, Diagnostic> {
    caught.unwrap_or_else(|payload| Err(panic_diagnostic(&*payload)))
}

/// The error document for a panic payload: its message when it has one.
pub(crate) fn panic_diagnostic(payload: &(dyn Any + Send)) -> Diagnostic {
    let error_message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the handler panicked".to_owned());
    Diagnostic {
        error_type: PANIC_ERROR.to_owned(),
        error_message,
    }
}

/// One invocation outside the Runtime API loop (local mode, the local HTTP
/// server): the payload decoded, the handler called under the panic guard
/// and raced against the context's deadline, in the invocation's span, as
/// the loop's layers would.
pub(crate) async fn invoke_once<E, S, H>(
    handler: &H,
    payload: &[u8],
    context: Context,
    state: &'static S,
    cold_start: bool,
) -> Result<H::Output, Diagnostic>
where
    E: DeserializeOwned,
    S: 'static,
    H: Handler<E, S>,
{
    let span = tracing::error_span!(
        "invocation",
        requestId = %context.request_id,
        coldStart = cold_start,
        correlationId = tracing::field::Empty,
        debugSampled = crate::logging::sampled(crate::logging::debug_sample_rate(), &context.request_id)
            .then_some(true),
    );
    // As in the loop's `DecodeFirst`: a panicking `Deserialize` is this
    // invocation's error, and `call` runs inside the guard too.
    let event = std::panic::catch_unwind(AssertUnwindSafe(|| crate::decode::decode::<E>(payload)))
        .unwrap_or_else(|payload| Err(panic_diagnostic(&*payload)))?;
    let deadline = context.deadline;
    let invocation = bounded(
        deadline,
        guard(async move { handler.call(event, context, state).await }),
    );
    #[cfg(feature = "metrics")]
    let invocation = crate::metrics::scoped(invocation);
    invocation.instrument(span).await
}

/// The closure `#[lambda_handler]` generates: event, context and init
/// state in, the invocation's outcome out.
pub trait Handler<E, S: 'static> {
    /// The handler's success value; the bootstrap needs it `Serialize`,
    /// a bound checked where the user wrote the type (see `start`).
    type Output;
    /// What one call returns.
    type Future: Future<Output = Result<Self::Output, Diagnostic>>;

    /// Starts one invocation.
    fn call(&self, event: E, context: Context, state: &'static S) -> Self::Future;
}

impl<E, S, T, F, H> Handler<E, S> for H
where
    S: 'static,
    F: Future<Output = Result<T, Diagnostic>>,
    H: Fn(E, Context, &'static S) -> F,
{
    type Output = T;
    type Future = F;

    fn call(&self, event: E, context: Context, state: &'static S) -> F {
        self(event, context, state)
    }
}

/// The user's handler as a `tower::Service` for `lambda_runtime`. The
/// event is the one [`crate::layers::DecodeFirst`] filed under the ticket
/// the invocation carries, so one that does not fit is answered, not fatal.
/// The handler runs under the panic guard and against its deadline.
pub(crate) struct HandlerService<E, H: 'static, S: 'static> {
    handler: &'static H,
    state: &'static S,
    decoded: Decoded<E>,
}

// By hand: a derive would require `E`, `H` and `S` to be `Clone`.
impl<E, H, S> Clone for HandlerService<E, H, S> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler,
            state: self.state,
            decoded: self.decoded.clone(),
        }
    }
}

impl<E, H, S> HandlerService<E, H, S> {
    pub(crate) fn new(handler: &'static H, state: &'static S, decoded: Decoded<E>) -> Self {
        Self {
            handler,
            state,
            decoded,
        }
    }
}

impl<E, H, S> Service<LambdaEvent<Ticket>> for HandlerService<E, H, S>
where
    E: DeserializeOwned,
    H: Handler<E, S>,
    H::Output: Serialize,
{
    type Response = H::Output;
    type Error = Diagnostic;
    type Future =
        Either<Ready<Result<H::Output, Diagnostic>>, Bounded<Guarded<H::Future, H::Output>>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Diagnostic>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<Ticket>) -> Self::Future {
        let claimed = self.decoded.claim(event.payload);
        let mut context = event.context;
        if let Some(sent_id) = claimed.sent_id {
            context.request_id = sent_id;
        }
        settle_deadline(&mut context);
        match claimed.event {
            Ok(payload) => {
                // `call` only builds the future, but whatever it runs is
                // guarded as the future is.
                let deadline = context.deadline;
                let call = AssertUnwindSafe(|| self.handler.call(payload, context, self.state));
                match std::panic::catch_unwind(call) {
                    Ok(future) => Either::Right(bounded(deadline, guard(future))),
                    Err(panic) => {
                        Either::Left(futures_util::future::ready(Err(panic_diagnostic(&*panic))))
                    }
                }
            }
            Err(unmarshal) => Either::Left(futures_util::future::ready(Err(unmarshal))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn panics_become_error_documents() {
        let err = guard(async {
            if true {
                panic!("boom at {}", 42);
            }
            Ok::<u8, Diagnostic>(1)
        })
        .await
        .unwrap_err();
        assert_eq!(err.error_type, "Panic");
        assert_eq!(err.error_message, "boom at 42");
        let err = guard(async { std::panic::panic_any::<u32>(7) as Result<(), Diagnostic> })
            .await
            .unwrap_err();
        assert_eq!(err.error_message, "the handler panicked");
    }

    #[derive(Debug)]
    struct Explodes;

    impl<'de> serde::Deserialize<'de> for Explodes {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            panic!("a Deserialize impl that panics")
        }
    }

    #[tokio::test]
    async fn one_invocation_outside_the_loop_catches_a_panicking_deserialize() {
        static STATE: () = ();
        let handler = |_: Explodes, _: Context, _: &'static ()| async { Ok::<(), Diagnostic>(()) };
        let err = invoke_once(&handler, b"{}", Context::default(), &STATE, true)
            .await
            .unwrap_err();
        assert_eq!(err.error_type, PANIC_ERROR);
        assert_eq!(err.error_message, "a Deserialize impl that panics");
    }

    #[tokio::test]
    async fn undecodable_events_skip_the_handler() {
        static STATE: () = ();
        let decoded = Decoded::<u32>::default();
        let mut service = HandlerService::new(
            &|_: u32, _: Context, _: &'static ()| async { panic!("must not be called") },
            &STATE,
            decoded.clone(),
        );
        let ticket = decoded.file(
            Err(Diagnostic {
                error_type: "Runtime.UnmarshalError".into(),
                error_message: "bad".into(),
            }),
            None,
        );
        let event = LambdaEvent::new(ticket, Context::default());
        let result: Result<(), _> = service.call(event).await;
        assert_eq!(result.unwrap_err().error_message, "bad");
    }
}
