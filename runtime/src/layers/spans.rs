//! A span per invocation carrying the request id and whether it is the
//! cold start.

use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use tracing::instrument::Instrumented;
use tracing::Instrument;

/// Wraps each invocation in a span with `requestId`, `xrayTraceId` and
/// `coldStart`, so every log line of the handler carries them.
pub(crate) struct InvocationSpans;

impl<S> Layer<S> for InvocationSpans {
    type Service = InvocationSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InvocationSpan { inner, cold: true }
    }
}

/// See [`InvocationSpans`].
pub(crate) struct InvocationSpan<S> {
    inner: S,
    cold: bool,
}

impl<S> Service<LambdaInvocation> for InvocationSpan<S>
where
    S: Service<LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let context = &invocation.context;
        // At ERROR level, so that a function logging only warnings and
        // errors (`AWS_LAMBDA_LOG_LEVEL=WARN`) still tags them.
        let span = tracing::error_span!(
            "invocation",
            requestId = %context.request_id,
            coldStart = self.cold,
            xrayTraceId = context.xray_trace_id.as_deref(),
        );
        self.cold = false;
        #[cfg(panic = "abort")]
        crate::panic::last_gasp::begin(&context.request_id);
        let future = span.in_scope(|| self.inner.call(invocation));
        future.instrument(span)
    }
}
