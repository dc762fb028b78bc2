//! The panic hook: a panic is logged as one structured error line inside
//! the invocation's span (so it carries the request id) instead of the
//! default multi-line stderr text, attributed to where it happened: the
//! handler, lambda-kit, or the dependency (e.g. `lambda_runtime`) whose
//! source it is in.
//!
//! Built with `panic = "abort"` a panic cannot be caught, so the hook also
//! answers the in-flight invocation itself before the process dies: the
//! caller still gets `{"errorType": "Panic", ...}` rather than a bare
//! `Runtime.ExitError`, and Lambda starts a fresh instance for the next one.

use std::backtrace::Backtrace;
use std::panic::PanicHookInfo;

use crate::invoke::panic_diagnostic;

pub(crate) fn install_hook() {
    std::panic::set_hook(Box::new(on_panic));
}

fn on_panic(info: &PanicHookInfo<'_>) {
    let message = panic_diagnostic(info.payload()).error_message;
    let location = info.location().map(|l| l.to_string()).unwrap_or_default();
    let origin = info
        .location()
        .map_or(Origin::Handler, |l| origin(l.file()));
    // Captured only when RUST_BACKTRACE / RUST_LIB_BACKTRACE ask for it.
    let backtrace = Backtrace::capture();
    match backtrace.status() {
        std::backtrace::BacktraceStatus::Captured => {
            tracing::error!(panic.location = %location, panic.origin = %origin, panic.backtrace = %backtrace, "{origin} panicked: {message}")
        }
        _ => {
            tracing::error!(panic.location = %location, panic.origin = %origin, "{origin} panicked: {message}")
        }
    }
    #[cfg(panic = "abort")]
    last_gasp::report(&message);
}

/// Where a panic happened, judged by its source file.
#[derive(Debug, PartialEq)]
enum Origin<'a> {
    /// The application: the handler, its init or anything it calls that
    /// reports the caller's location (`unwrap`, indexing, ...).
    Handler,
    /// lambda-kit's own code.
    Kit,
    /// A dependency's source, by crate directory name without version.
    Dependency(&'a str),
}

impl std::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Handler => f.write_str("handler"),
            Self::Kit => f.write_str("lambda-kit"),
            Self::Dependency(name) => f.write_str(name),
        }
    }
}

fn origin(file: &str) -> Origin<'_> {
    // This file's path tells where lambda-kit's sources are, wherever it
    // was built from (a workspace, the registry, a git checkout).
    let own_root = file!().trim_end_matches("src/panic.rs");
    if !own_root.is_empty() && file.starts_with(own_root) {
        return Origin::Kit;
    }
    // Cargo unpacks dependencies to `.../registry/src/<index>/<name>-<version>/`
    // and `.../git/checkouts/<repo>-<hash>/<rev>/`.
    if let Some((_, rest)) = file.split_once("/registry/src/") {
        if let Some(dir) = rest.split('/').nth(1) {
            return Origin::Dependency(without_version(dir));
        }
    } else if let Some((_, rest)) = file.split_once("/git/checkouts/") {
        if let Some(dir) = rest.split('/').next() {
            // The hash after the last `-` has no `-` in it.
            return Origin::Dependency(dir.rsplit_once('-').map_or(dir, |(name, _)| name));
        }
    }
    Origin::Handler
}

/// `name` of a `name-version` directory. The version starts at the first
/// `-` followed by `major.minor.patch`: names can hold `-1` (`sha-1`) and
/// prereleases hold `-` (`1.0.0-rc.1`).
fn without_version(dir: &str) -> &str {
    dir.match_indices('-')
        .map(|(at, _)| at)
        .find(|&at| is_version(&dir[at + 1..]))
        .map_or(dir, |at| &dir[..at])
}

/// Whether `text` starts with `digits.digits.digits`, then ends or goes on
/// with `-` or `+`.
fn is_version(text: &str) -> bool {
    let mut rest = text;
    for part in 0..3 {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        if part < 2 {
            match rest.strip_prefix('.') {
                Some(after) => rest = after,
                None => return false,
            }
        }
    }
    rest.is_empty() || rest.starts_with(['-', '+'])
}

/// Only compiled into `panic = "abort"` builds: the request in flight, and
/// a blocking report of the panic to the Runtime API (the async runtime
/// cannot be used from inside a panic hook).
#[cfg(panic = "abort")]
pub(crate) mod last_gasp {
    use std::cell::Cell;
    use std::future::Future;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};
    use std::time::Duration;

    /// The invocation started last: the one a panic belongs to when
    /// invocations run one at a time, wherever it happens (a task the
    /// handler spawned included).
    static IN_FLIGHT: Mutex<Option<String>> = Mutex::new(None);

    thread_local! {
        /// The invocation whose future this thread is polling. A panic
        /// aborts inside that poll, on this thread, so under a concurrent
        /// loop (several in flight, on several workers) this names the
        /// one that panicked.
        static POLLING: Cell<Option<Arc<str>>> = const { Cell::new(None) };
    }

    /// Records the request id the process is working on.
    pub(crate) fn begin(request_id: &str) {
        if let Ok(mut in_flight) = IN_FLIGHT.lock() {
            let slot = in_flight.get_or_insert_with(String::new);
            slot.clear();
            slot.push_str(request_id);
        }
    }

    pin_project_lite::pin_project! {
        /// An invocation's future that names its request id to the panic
        /// hook while it is polled.
        pub(crate) struct Attributed<F> {
            #[pin]
            inner: F,
            request_id: Arc<str>,
        }
    }

    /// `inner`, attributed to `request_id`.
    pub(crate) fn attributed<F>(inner: F, request_id: Arc<str>) -> Attributed<F> {
        Attributed { inner, request_id }
    }

    impl<F: Future> Future for Attributed<F> {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let this = self.project();
            let outer = POLLING.replace(Some(this.request_id.clone()));
            let polled = this.inner.poll(cx);
            POLLING.set(outer);
            polled
        }
    }

    /// Before the first invocation a panic is an init failure.
    pub(super) fn report(message: &str) {
        let polled = POLLING.take().map(|id| id.to_string());
        let started = || IN_FLIGHT.lock().ok().and_then(|mut r| r.take());
        let path = match polled.or_else(started) {
            Some(request_id) => {
                let segment = crate::layers::path_segment(&request_id);
                let request_id = segment.as_deref().unwrap_or(&request_id);
                format!("/2018-06-01/runtime/invocation/{request_id}/error")
            }
            None => crate::init_error::INIT_ERROR_PATH.to_owned(),
        };
        let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
            return;
        };
        let body = serde_json::json!({"errorType": crate::PANIC_ERROR, "errorMessage": message})
            .to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {api}\r\n\
             Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: {}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            crate::PANIC_ERROR,
            body.len()
        );
        if let Ok(mut stream) = TcpStream::connect(&api) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            if stream.write_all(request.as_bytes()).is_ok() {
                // Wait for the answer so the report is in before the abort.
                let _ = stream.read(&mut [0_u8; 256]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_attributed_by_source_file() {
        assert_eq!(origin("src/main.rs"), Origin::Handler);
        assert_eq!(origin("examples/hello/src/main.rs"), Origin::Handler);
        assert_eq!(origin(file!()), Origin::Kit);
        assert_eq!(
            origin("/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/lambda_runtime-1.5.0/src/types.rs"),
            Origin::Dependency("lambda_runtime")
        );
        let registry = "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f";
        for (dir, name) in [
            ("x-1.0.0-rc.1", "x"),
            ("aws-lc-sys-0.29.0", "aws-lc-sys"),
            ("sha-1-0.10.1", "sha-1"),
            ("x-2.0.0+build.5", "x"),
        ] {
            assert_eq!(
                origin(&format!("{registry}/{dir}/src/lib.rs")),
                Origin::Dependency(name),
                "{dir}"
            );
        }
        assert_eq!(
            origin("/home/u/.cargo/git/checkouts/aws-lambda-rust-runtime-0123456789abcdef/1a2b3c4/lambda-runtime/src/lib.rs"),
            Origin::Dependency("aws-lambda-rust-runtime")
        );
        assert_eq!(
            Origin::Dependency("lambda_runtime").to_string(),
            "lambda_runtime"
        );
        assert_eq!(Origin::Handler.to_string(), "handler");
    }
}
