//! The tower layers a bootstrap puts around `lambda_runtime`'s own stack,
//! in the style of `lambda_runtime::layers`. Outermost first, an
//! invocation passes through:
//!
//! - [`TrackInFlight`](crate::shutdown::TrackInFlight) (in the shutdown
//!   module): marks the invocation in flight until its answer is posted,
//!   so a SIGTERM lets it finish and no `next` poll follows;
//! - [`InvocationSpans`]: the span carrying `requestId`, `xrayTraceId` and
//!   `coldStart` on every log line of the invocation;
//! - with feature `metrics`, the invocation's own metrics collector,
//!   flushed as EMF when it ends (see `crate::metrics`);
//! - [`DecodeFirst`]: the event decoded once from the received bytes and
//!   filed under a [`Ticket`] that the invocation carries to the handler
//!   service in place of its payload;
//! - [`deadline::bounded`]: the handler raced against its deadline (used by
//!   the handler service and by local runs alike).

pub(crate) mod deadline;
mod decode;
mod spans;

pub(crate) use decode::{path_segment, DecodeFirst, Decoded, Ticket};
pub(crate) use spans::InvocationSpans;

/// The layer giving each invocation its metrics collector; without the
/// `metrics` feature, nothing at all.
#[cfg(feature = "metrics")]
pub(crate) fn per_invocation_metrics() -> crate::metrics::PerInvocation {
    crate::metrics::PerInvocation
}

/// See above.
#[cfg(not(feature = "metrics"))]
pub(crate) fn per_invocation_metrics() -> lambda_runtime::tower::layer::util::Identity {
    lambda_runtime::tower::layer::util::Identity::new()
}
