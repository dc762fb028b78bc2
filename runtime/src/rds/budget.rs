//! Database work inside the invocation's time. During an invocation every
//! operation (getting a connection, a query, a transaction statement)
//! gives up one deadline margin before the bootstrap would cancel the
//! handler, so the handler gets an [`Error::Timeout`] it can map and still
//! has a margin to answer. Outside an invocation (in `init`, in tests)
//! only the configured connect timeout applies.
//!
//! A connection whose operation did not finish (timed out here, or
//! cancelled because the handler's future was dropped) is in an unknown
//! state: [`InDoubt`] marks it, and `Conn`'s drop discards it instead of
//! letting the driver's pool clean it up, which against a server that has
//! stopped answering would never finish and would hold a pool slot for good.

use std::future::Future;

use tokio::time::Instant;

use super::Error;
use crate::layers::deadline::{budget_end, margin};

/// When database operations of the running invocation must have finished.
fn end() -> Option<Instant> {
    let end = budget_end()?;
    Some(end.checked_sub(margin()).unwrap_or(end))
}

/// `operation` within the invocation's time, if one is running; `what`
/// names it for the error.
pub(crate) async fn within<T>(
    what: impl FnOnce() -> String,
    operation: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let Some(end) = end() else {
        return operation.await;
    };
    let started = Instant::now();
    // No time left: fail before touching a connection.
    if end <= started {
        return Err(Error::Timeout {
            what: what(),
            after: std::time::Duration::ZERO,
        });
    }
    match tokio::time::timeout_at(end, operation).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            what: what(),
            after: end - started,
        }),
    }
}

/// A connection's "operation in flight" flag, when the caller owns one.
pub(crate) struct InDoubt<'a>(pub(crate) Option<&'a mut bool>);

impl InDoubt<'_> {
    /// Runs `operation` with the connection marked in doubt until it
    /// finishes; if it is dropped first, the mark stays.
    pub(crate) async fn around<T>(self, operation: impl Future<Output = T>) -> T {
        let Some(flag) = self.0 else {
            return operation.await;
        };
        *flag = true;
        let output = operation.await;
        *flag = false;
        output
    }
}
