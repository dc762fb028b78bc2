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
//! responses, panics answered instead of crashing the process, every
//! invocation ended before its deadline, graceful shutdown on SIGTERM, and
//! a local mode that runs the handler once when `AWS_LAMBDA_RUNTIME_API` is
//! unset. Its page is the reference: every accepted form, the error
//! documents Lambda receives, deadlines, logging, local mode, graceful
//! shutdown and testing. Depend on `lambda-kit` only (plus `serde` for your
//! event types); handlers log through `lambda_kit::tracing`, the
//! [`tracing`](https://docs.rs/tracing/0.1) crate re-exported.
//!
//! Until lambda-kit is on crates.io, depend on its repository:
//!
//! ```toml
//! [dependencies]
//! lambda-kit = { git = "https://github.com/lambda-kit/lambda-kit" }
//! serde = { version = "1", features = ["derive"] }
//! ```
//!
//! (`cargo lambda new my-function --template lambda-kit/templates/function`
//! in a clone starts a project with that line, a test and a SAM template.)
//!
//! Features:
//!
//! - `http`: [`http`], with `#[lambda_handler(http)]`, extractors, the
//!   route attributes and [`router!`](http::router!), for API Gateway (REST
//!   and HTTP APIs), ALB and Function URL requests, and a local HTTP server.
//! - `rds`: [`rds`] and [`rds_query`], pooled, typed MySQL/MariaDB queries
//!   checked against the schema; `rds-tls` adds TLS, `rds-chrono` and
//!   `rds-time` date and time types.
//! - `events`: [`events`], with `#[lambda_handler(sqs)]`, `kinesis` and
//!   `dynamodb`: a batch handled one record per call, answered with partial
//!   batch failures; and typed SNS, EventBridge and S3 events.
//! - `testing`: [`testing`], the Runtime API emulator for end-to-end tests
//!   of a compiled bootstrap (with `events`, builders of those events).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bootstrap;
mod concurrency;
mod decode;
mod describe;
mod error;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "rds")]
pub mod idempotency;
mod init;
mod init_error;
mod invoke;
mod layers;
mod local;
mod logging;
#[cfg(feature = "metrics")]
pub mod metrics;
mod panic;
#[cfg(feature = "rds")]
pub mod rds;
mod shutdown;
mod signature;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Diagnostic, Error, ErrorType};
#[doc = include_str!("../docs/lambda_handler.md")]
// An empty line, so that the macro's own docs begin a paragraph of their own.
#[doc = ""]
pub use lambda_kit_macros::lambda_handler;
#[doc = include_str!("../docs/rds_query.md")]
// An empty line, so that the macro's own docs begin a paragraph of their own.
#[doc = ""]
#[cfg(feature = "rds")]
pub use lambda_kit_macros::rds_query;
pub use lambda_kit_macros::ErrorType;
pub use lambda_runtime::{Config, Context};
/// Logging for handlers without a dependency of their own:
/// `lambda_kit::tracing::info!("...")` (see [Logging](lambda_handler#logging)).
pub use tracing;

pub use concurrency::MAX_CONCURRENCY_ENV;
pub use decode::UNMARSHAL_ERROR;
pub use invoke::PANIC_ERROR;
pub use layers::deadline::{ContextExt, DEFAULT_MARGIN, MARGIN_ENV, TIMEOUT_ERROR};
pub use shutdown::{
    DEFAULT_GRACE, EXTENSION_ENV, GRACE_ENV, POOL_CLOSE_LIMIT, SHUTDOWN_TIMEOUT_ERROR,
};

pub use decode::decode as decode_event;

/// Not public API: what `#[lambda_handler]` expands to.
#[doc(hidden)]
pub mod __private {
    pub use crate::__lambda_kit_concurrency as serving;
    pub use crate::__lambda_kit_init as init;
    pub use crate::__lambda_kit_namer as namer;
    pub use crate::__lambda_kit_shutdown as shutdown;
    pub use crate::bootstrap::{start, Spec};
    pub use crate::describe::{describe, Description};
    /// The dispatch between concurrent and sequential serving.
    pub mod concurrency {
        pub use crate::concurrency::{
            probe, required, Concurrent, Probe, Sequential, Serving, StateAny, StateSync, Ty,
            ValueAny, ValueSend,
        };
    }
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

    /// What the batch handlers expand to.
    #[cfg(feature = "events")]
    pub use crate::events::__private as events;

    /// What `#[rds_query]` expands to.
    #[cfg(feature = "rds")]
    pub mod rds {
        pub use crate::rds::support::*;
    }

    /// What an idempotent handler expands to.
    #[cfg(feature = "rds")]
    pub mod idempotency {
        pub use crate::__lambda_kit_idempotency as store;
        pub use crate::idempotency::{Idempotency, KeySource, Keyed, Statements, Stored};
    }

    use std::fmt::Display;

    use crate::Diagnostic;

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
