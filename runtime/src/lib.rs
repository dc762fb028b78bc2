//! Typed AWS Lambda handlers from plain Rust functions.
//!
//! ```no_run
//! use lambda_kit::lambda_handler;
//!
//! #[lambda_handler]
//! async fn hello() -> &'static str {
//!     "Hello World!!"
//! }
//! ```
//!
//! [`lambda_handler`] turns the function into the binary's `main`: event
//! decoding, [`Context`] injection, once-per-cold-start `init`, structured
//! logging with the request id, `{"errorType", "errorMessage"}` error
//! responses, panics answered instead of crashing the process, and a local
//! mode that runs the handler once when `AWS_LAMBDA_RUNTIME_API` is unset.
//! See the README for every accepted form.
//!
//! `#[lambda_handler(init = setup, shutdown = teardown)]` shuts down
//! gracefully on SIGTERM or SIGINT: the invocation in flight finishes
//! within the grace period ([`GRACE_ENV`], default [`DEFAULT_GRACE`]; one
//! still running then is answered [`SHUTDOWN_TIMEOUT_ERROR`]), `teardown`
//! runs (given `&State` with `init`, nothing without; sync or `async`,
//! returning `()` or `Result<(), E>`), the process-wide `rds` pool is
//! closed, one log line says so, and the process exits with status 0. Under
//! Lambda a bootstrap with a hook registers a no-op extension so that
//! Lambda sends SIGTERM at all ([`EXTENSION_ENV`] overrides that).
//!
//! With the `http` feature, `#[lambda_handler(http)]` and the route
//! attributes of `lambda_kit::http` serve API Gateway (REST and HTTP
//! APIs), ALB and Function URL requests through extractors; with `rds`,
//! `#[rds_query]` gives pooled, typed MySQL/MariaDB queries.
//!
//! # Deadlines
//!
//! Every invocation ends before its deadline. The bootstrap races the
//! handler against the invocation's deadline (Lambda's
//! `Lambda-Runtime-Deadline-Ms`) less a margin, [`DEFAULT_MARGIN`] (100 ms)
//! unless `LAMBDA_KIT_DEADLINE_MARGIN_MS` sets another number of
//! milliseconds (anything else fails init with
//! `Runtime.InvalidEnvironment`). When the budget runs out the handler's
//! future is dropped, which cancels it at the `.await` it was waiting on;
//! the invocation is answered with `{"errorType": "Runtime.Timeout"}`
//! ([`TIMEOUT_ERROR`]) and a message giving the budget in milliseconds,
//! the timeout is logged, and the instance keeps serving. Tasks the handler
//! spawned are not cancelled, and a handler that blocks its thread without
//! awaiting cannot be cut short: Lambda then ends the instance itself. An
//! invocation whose deadline has already passed is answered at once. HTTP
//! handlers are cut short the same way: Lambda reports the error, and API
//! Gateway answers its client as for any failed invocation, so a timeout
//! shows in the function's error metrics rather than as a response.
//!
//! With `rds`, queries, connects and transaction statements give up one
//! margin before the handler's budget ends with `rds::Error::Timeout`,
//! which the handler can map; a connection whose operation was cancelled
//! or timed out is discarded, never reused, so the next invocation gets a
//! healthy one. [`ContextExt`] gives handlers the time left, to budget
//! their own work.
//!
//! Outside Lambda (a local run, `--serve`) there is no deadline header: the
//! deadline is the function's timeout from `AWS_LAMBDA_FUNCTION_TIMEOUT`
//! (whole seconds from 1 to 900), 3 s when unset, as for a new Lambda
//! function, counted from the start of each invocation; any other value
//! stops the bootstrap before it runs (exit status 2). A
//! `Lambda-Runtime-Deadline-Ms` too small to be a timestamp (local
//! emulators such as `cargo lambda watch` send the timeout, `600000`) is
//! taken as that many milliseconds from receipt.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bootstrap;
mod decode;
mod error;
#[cfg(feature = "http")]
pub mod http;
mod init;
mod init_error;
mod invoke;
mod layers;
mod local;
mod logging;
mod panic;
#[cfg(feature = "rds")]
pub mod rds;
mod shutdown;
mod signature;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Diagnostic, Error, ErrorType};
pub use lambda_kit_macros::lambda_handler;
/// Turns a body-less `async fn` into a pooled, typed MySQL/MariaDB query;
/// see [`rds`].
#[cfg(feature = "rds")]
pub use lambda_kit_macros::rds_query;
/// Derives [`ErrorType`]: see there.
pub use lambda_kit_macros::ErrorType;
pub use lambda_runtime::{Config, Context};

/// The `errorType` of an event that does not decode into the handler's type.
pub use decode::UNMARSHAL_ERROR;
/// The `errorType` of an invocation whose handler panicked.
pub use invoke::PANIC_ERROR;
/// Deadlines: see [the crate documentation](crate#deadlines).
pub use layers::deadline::{ContextExt, DEFAULT_MARGIN, MARGIN_ENV, TIMEOUT_ERROR};
pub use shutdown::{
    DEFAULT_GRACE, EXTENSION_ENV, GRACE_ENV, POOL_CLOSE_LIMIT, SHUTDOWN_TIMEOUT_ERROR,
};

/// Decodes a JSON event exactly as a bootstrap does, for unit tests of
/// event types: `Err` is the `Runtime.UnmarshalError` document Lambda would
/// receive.
pub use decode::decode as decode_event;

/// Not public API: what `#[lambda_handler]` expands to.
#[doc(hidden)]
pub mod __private {
    pub use crate::__lambda_kit_init as init;
    pub use crate::__lambda_kit_namer as namer;
    pub use crate::__lambda_kit_shutdown as shutdown;
    pub use crate::bootstrap::{start, Spec};
    pub use crate::error::{NameByErrorType, NameByTypeName, Probe};
    pub use crate::init::{
        no_init, FallibleKind, FutureKind, Init, InitFallible, InitFn, InitFuture, InitPlain,
        InitValue, PlainKind, ValueKind,
    };
    pub use crate::invoke::Handler;
    pub use crate::shutdown::{hook_outcome, no_shutdown, Shutdown, ShutdownFn, ShutdownWithState};
    pub use crate::signature::{Event, Fallible, Output};
    pub use lambda_runtime::Context;
    pub use serde::de::IgnoredAny;

    /// What the HTTP macros expand to.
    #[cfg(feature = "http")]
    pub mod http {
        pub use crate::http::__private::*;
        pub use crate::http::Request;
    }

    /// What `#[rds_query]` expands to.
    #[cfg(feature = "rds")]
    pub mod rds {
        pub use crate::rds::support::*;
    }

    use crate::Diagnostic;
    use std::fmt::Display;

    /// An infallible handler's return value.
    #[inline(always)]
    pub fn ok<T>(value: T) -> Result<T, Diagnostic> {
        Ok(value)
    }

    /// A `Result`-returning handler's outcome, its error as a document
    /// named by `name` (from `namer!`).
    #[inline(always)]
    pub fn fallible<T, E: Display + 'static>(
        result: Result<T, E>,
        name: fn(&E) -> String,
    ) -> Result<T, Diagnostic> {
        result.map_err(|err| Diagnostic {
            error_type: name(&err),
            error_message: err.to_string(),
        })
    }
}
