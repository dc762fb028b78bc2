//! The panic hook: a panic is logged as one structured error line inside
//! the invocation's span (so it carries the request id) instead of the
//! default multi-line stderr text.

use std::backtrace::Backtrace;
use std::panic::PanicHookInfo;

use crate::invoke::panic_diagnostic;

pub(crate) fn install_hook() {
    std::panic::set_hook(Box::new(log_panic));
}

fn log_panic(info: &PanicHookInfo<'_>) {
    let message = panic_diagnostic(info.payload()).error_message;
    let location = info.location().map(|l| l.to_string()).unwrap_or_default();
    // Captured only when RUST_BACKTRACE / RUST_LIB_BACKTRACE ask for it.
    let backtrace = Backtrace::capture();
    match backtrace.status() {
        std::backtrace::BacktraceStatus::Captured => {
            tracing::error!(panic.location = %location, panic.backtrace = %backtrace, "handler panicked: {message}")
        }
        _ => tracing::error!(panic.location = %location, "handler panicked: {message}"),
    }
}
