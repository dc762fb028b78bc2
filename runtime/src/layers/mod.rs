//! The tower layers a bootstrap puts around `lambda_runtime`'s own stack,
//! in the style of `lambda_runtime::layers`. Outermost first, an
//! invocation passes through:
//!
//! - [`TrackInFlight`](crate::shutdown::TrackInFlight) (in the shutdown
//!   module): marks the invocation in flight until its answer is posted,
//!   so a SIGTERM lets it finish and no `next` poll follows;
//! - [`InvocationSpans`]: the span carrying `requestId`, `xrayTraceId` and
//!   `coldStart` on every log line of the invocation;
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
