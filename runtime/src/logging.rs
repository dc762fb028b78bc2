//! Structured logging: one subscriber per process, configured the way the
//! Lambda console configures managed runtimes. The span each invocation's
//! lines carry is [`crate::layers::InvocationSpans`].

use std::env;
use std::str::FromStr;

use lambda_runtime::tracing::subscriber::filter::{EnvFilter, LevelFilter};
use lambda_runtime::tracing::subscriber::fmt;
use lambda_runtime::tracing::subscriber::fmt::writer::MakeWriterExt;
use lambda_runtime::tracing::subscriber::layer::{Context, Filter, SubscriberExt};
use lambda_runtime::tracing::subscriber::registry::LookupSpan;
use lambda_runtime::tracing::subscriber::util::SubscriberInitExt;
use lambda_runtime::tracing::subscriber::Layer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};

/// The field of the invocation's span (and of an SQS record's) naming the
/// source's id for the request: API Gateway's request id, an ALB's trace
/// header, the SQS message id.
#[cfg(feature = "http")]
pub(crate) const CORRELATION_ID: &str = "correlationId";

/// The share of invocations (0 to 1) whose DEBUG lines are logged whatever
/// the level: a sample of detailed logs from production at a known cost.
pub(crate) const DEBUG_SAMPLE_RATE_ENV: &str = "LAMBDA_KIT_LOG_DEBUG_SAMPLE_RATE";

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
    let filter = Sampled {
        sampling: debug_sample_rate().is_some_and(|rate| rate > 0.0),
        env: filter,
    };
    let json = env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let writer = std::io::stdout
        .with_filter(move |_| matches!(target, LogTarget::Stdout))
        .or_else(std::io::stderr);
    // CloudWatch stamps every line itself, so no timestamps of our own.
    let layer = fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(writer);
    let registry = lambda_runtime::tracing::subscriber::registry();
    // An application that set up its own subscriber keeps it.
    let _ = if json {
        registry.with(layer.json().with_filter(filter)).try_init()
    } else {
        registry.with(layer.with_filter(filter)).try_init()
    };
}

/// The share of invocations logged at DEBUG whatever the level, from 0 to
/// 1: [`DEBUG_SAMPLE_RATE_ENV`], else Powertools' `POWERTOOLS_LOGGER_SAMPLE_RATE`.
pub(crate) fn debug_sample_rate() -> Option<f64> {
    [DEBUG_SAMPLE_RATE_ENV, "POWERTOOLS_LOGGER_SAMPLE_RATE"]
        .into_iter()
        .find_map(|name| env::var(name).ok())
        .and_then(|value| value.trim().parse::<f64>().ok())
        .filter(|rate| (0.0..=1.0).contains(rate))
}

/// Whether this invocation is one of the sampled share: decided from its
/// request id, hashed with a per-process key, so a retry of the same
/// request is not always in or out.
pub(crate) fn sampled(rate: Option<f64>, request_id: &str) -> bool {
    use std::hash::BuildHasher;
    static KEY: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    match rate {
        Some(rate) if rate >= 1.0 => true,
        Some(rate) if rate > 0.0 => {
            let hash = KEY.get_or_init(Default::default).hash_one(request_id);
            (hash as f64 / u64::MAX as f64) < rate
        }
        _ => false,
    }
}

/// The field of the invocation's span that marks it sampled.
pub(crate) const DEBUG_SAMPLED: &str = "debugSampled";

/// The subscriber's filter: the level and directives of the environment,
/// plus DEBUG (and more severe) lines inside an invocation span carrying
/// `debugSampled = true`.
struct Sampled {
    env: EnvFilter,
    sampling: bool,
}

/// Set on a span that carries `debugSampled = true`.
struct DebugSampled;

impl<S> Filter<S> for Sampled
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        if Filter::<S>::enabled(&self.env, meta, cx) {
            return true;
        }
        self.sampling
            && *meta.level() <= Level::DEBUG
            && cx.lookup_current().is_some_and(|span| {
                span.scope()
                    .any(|span| span.extensions().get::<DebugSampled>().is_some())
            })
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        let interest = Filter::<S>::callsite_enabled(&self.env, meta);
        if self.sampling && interest.is_never() && *meta.level() <= Level::DEBUG {
            Interest::sometimes()
        } else {
            interest
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        let hint = Filter::<S>::max_level_hint(&self.env);
        match (self.sampling, hint) {
            (true, Some(hint)) => Some(hint.max(LevelFilter::DEBUG)),
            (_, hint) => hint,
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, cx: Context<'_, S>) {
        if self.sampling && attrs.metadata().fields().field(DEBUG_SAMPLED).is_some() {
            let mut visitor = IsSampled(false);
            attrs.record(&mut visitor);
            if visitor.0 {
                if let Some(span) = cx.span(id) {
                    span.extensions_mut().insert(DebugSampled);
                }
            }
        }
        Filter::<S>::on_new_span(&self.env, attrs, id, cx);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, cx: Context<'_, S>) {
        Filter::<S>::on_record(&self.env, id, values, cx);
    }

    fn on_enter(&self, id: &Id, cx: Context<'_, S>) {
        Filter::<S>::on_enter(&self.env, id, cx);
    }

    fn on_exit(&self, id: &Id, cx: Context<'_, S>) {
        Filter::<S>::on_exit(&self.env, id, cx);
    }

    fn on_close(&self, id: Id, cx: Context<'_, S>) {
        Filter::<S>::on_close(&self.env, id, cx);
    }
}

/// Reads `debugSampled` off a new span.
struct IsSampled(bool);

impl Visit for IsSampled {
    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == DEBUG_SAMPLED {
            self.0 = value;
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_samples_about_that_share_of_request_ids() {
        let ids: Vec<String> = (0..10_000).map(|i| format!("req-{i}")).collect();
        let share = |rate| ids.iter().filter(|id| sampled(rate, id)).count();
        assert_eq!(share(None), 0);
        assert_eq!(share(Some(0.0)), 0);
        assert_eq!(share(Some(1.0)), 10_000);
        let tenth = share(Some(0.1));
        assert!((700..1300).contains(&tenth), "{tenth} of 10000 at 0.1");
    }
}
