//! A span per invocation carrying the request id and whether it is the
//! cold start.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use tracing::instrument::Instrumented;
use tracing::Instrument;

/// Wraps each invocation in a span with `requestId`, `xrayTraceId` and
/// `coldStart` (and `correlationId` once the event is read, `debugSampled`
/// when it is one of the invocations logged at DEBUG), so every log line of
/// the handler carries them.
pub(crate) struct InvocationSpans {
    /// Whether no invocation has started yet, shared by the clones of the
    /// service that serve concurrent invocations: only the first of the
    /// environment is the cold start.
    cold: Cold,
    /// The share of invocations logged at DEBUG, if any.
    debug_rate: Option<f64>,
}

impl Default for InvocationSpans {
    fn default() -> Self {
        Self {
            cold: Cold::default(),
            debug_rate: crate::logging::debug_sample_rate(),
        }
    }
}

impl<S> Layer<S> for InvocationSpans {
    type Service = InvocationSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InvocationSpan {
            inner,
            cold: self.cold.clone(),
            debug_rate: self.debug_rate,
        }
    }
}

#[derive(Clone)]
struct Cold(Arc<AtomicBool>);

impl Default for Cold {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }
}

impl Cold {
    /// True once: for the first invocation. Once warm this is a plain
    /// load; the swap only runs while the flag is still set.
    fn take(&self) -> bool {
        self.0.load(Ordering::Relaxed) && self.0.swap(false, Ordering::Relaxed)
    }
}

/// With `panic = "abort"`, the future names its invocation to the panic
/// hook while polled; otherwise it is the handler's own.
#[cfg(panic = "abort")]
type Attributed<F> = crate::panic::last_gasp::Attributed<F>;
#[cfg(not(panic = "abort"))]
type Attributed<F> = F;

/// See [`InvocationSpans`].
#[derive(Clone)]
pub(crate) struct InvocationSpan<S> {
    inner: S,
    cold: Cold,
    debug_rate: Option<f64>,
}

impl<S> Service<LambdaInvocation> for InvocationSpan<S>
where
    S: Service<LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Instrumented<Attributed<S::Future>>;

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
            coldStart = self.cold.take(),
            xrayTraceId = context.xray_trace_id.as_deref(),
            // Filled in once the event is read (HTTP sources).
            correlationId = tracing::field::Empty,
            // Absent unless sampled.
            debugSampled = crate::logging::sampled(self.debug_rate, &context.request_id).then_some(true),
        );
        #[cfg(panic = "abort")]
        crate::panic::last_gasp::begin(&context.request_id);
        #[cfg(panic = "abort")]
        let request_id: std::sync::Arc<str> = context.request_id.as_str().into();
        let future = span.in_scope(|| self.inner.call(invocation));
        #[cfg(panic = "abort")]
        let future = crate::panic::last_gasp::attributed(future, request_id);
        future.instrument(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_invocation_of_the_environment_is_the_cold_start() {
        let layer = InvocationSpans::default();
        let (a, b) = (layer.cold.clone(), layer.cold.clone());
        let firsts: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let cold = if i % 2 == 0 { a.clone() } else { b.clone() };
                    scope.spawn(move || cold.take())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(firsts.iter().filter(|cold| **cold).count(), 1);
        assert!(!layer.cold.take());
    }
}
