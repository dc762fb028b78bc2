//! Structured logging: one subscriber per process, configured the way the
//! Lambda console configures managed runtimes, and a span per invocation
//! carrying the request id and whether it is the cold start.

use std::env;
use std::str::FromStr;
use std::task::{Context as TaskContext, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::tracing::subscriber::filter::{EnvFilter, LevelFilter};
use lambda_runtime::tracing::subscriber::fmt::writer::MakeWriterExt;
use lambda_runtime::LambdaInvocation;
use tracing::instrument::Instrumented;
use tracing::Instrument;

/// Where log lines go: stdout under Lambda (CloudWatch reads it), stderr in
/// local mode so stdout carries only the handler's result.
#[derive(Clone, Copy)]
pub(crate) enum LogTarget {
    Stdout,
    Stderr,
}

/// Installs the global subscriber unless the application installed one:
/// `AWS_LAMBDA_LOG_FORMAT=JSON` for JSON lines, level from
/// `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG` (directives allowed), else INFO.
pub(crate) fn init(target: LogTarget) {
    let level = env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .and_then(|l| LevelFilter::from_str(&l).ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = match env::var("AWS_LAMBDA_LOG_LEVEL") {
        Ok(_) => EnvFilter::default().add_directive(level.into()),
        Err(_) => EnvFilter::builder()
            .with_default_directive(level.into())
            .from_env_lossy(),
    };
    let json = env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let writer = std::io::stdout
        .with_filter(move |_| matches!(target, LogTarget::Stdout))
        .or_else(std::io::stderr);
    // CloudWatch stamps every line itself, so no timestamps of our own.
    let builder = lambda_runtime::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(writer);
    // An application that set up its own subscriber keeps it.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

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
        let span = tracing::info_span!(
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
