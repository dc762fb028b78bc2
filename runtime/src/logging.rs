//! Structured logging: one subscriber per process, configured the way the
//! Lambda console configures managed runtimes. The span each invocation's
//! lines carry is [`crate::layers::InvocationSpans`].

use std::env;
use std::str::FromStr;

use lambda_runtime::tracing::subscriber::filter::{EnvFilter, LevelFilter};
use lambda_runtime::tracing::subscriber::fmt::writer::MakeWriterExt;

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
