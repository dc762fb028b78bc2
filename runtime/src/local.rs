//! Local mode: without `AWS_LAMBDA_RUNTIME_API` the bootstrap runs its
//! handler once on an event from the command line and prints the result,
//! so a function can be tried with `cargo run` and no AWS at all.

use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Config, Context};

use crate::Diagnostic;

/// Where the event comes from.
#[derive(Debug, PartialEq)]
pub(crate) enum EventSource {
    /// JSON text given as the argument.
    Inline(String),
    /// `--event FILE`.
    File(OsString),
    /// Piped on standard input (or `-`).
    Stdin,
    /// Nothing given: Lambda's own default payload, `{}`.
    Empty,
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub(crate) enum Command {
    Run(EventSource),
    Help,
}

/// What local mode says and does that depends on the kind of handler.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mode {
    /// Printed by `--help`, and after a command line that does not parse.
    pub usage: &'static str,
    /// When no event is given: `None` runs the handler on Lambda's default
    /// payload, `{}`; `Some` is the error saying what to pass instead.
    pub without_event: Option<&'static str>,
}

/// Local mode of a `#[lambda_handler]`: any JSON event.
pub(crate) const EVENT_MODE: Mode = Mode {
    usage: "\
usage: BOOTSTRAP [EVENT_JSON | --event FILE | -]

Runs the handler once on the event and prints its JSON result on stdout
(errors as {\"errorType\", \"errorMessage\"} on stderr, exit status 1).
With no event, a piped standard input is read; otherwise the event is {}.
Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it serves invocations instead.",
    without_event: None,
};

pub(crate) fn parse_args(
    args: impl IntoIterator<Item = OsString>,
    stdin_is_tty: bool,
) -> Result<Command, String> {
    let mut args = args.into_iter();
    let command = match args.next() {
        None if stdin_is_tty => Command::Run(EventSource::Empty),
        None => Command::Run(EventSource::Stdin),
        // Before the UTF-8 check: a file name need not be text.
        Some(arg) => match flag_value(&arg, "--event=") {
            Some(path) => Command::Run(EventSource::File(path)),
            None => match arg.to_str() {
                Some("-h" | "--help") => Command::Help,
                Some("-") => Command::Run(EventSource::Stdin),
                Some("--event") => match args.next() {
                    Some(path) => Command::Run(EventSource::File(path)),
                    None => return Err("--event needs a file name".to_owned()),
                },
                Some(flag) if flag.starts_with("--") => {
                    return Err(format!("unknown option `{flag}`"))
                }
                Some(json) => Command::Run(EventSource::Inline(json.to_owned())),
                None => {
                    return Err(format!(
                        "the argument {arg:?} is not valid UTF-8; pass the event as JSON text, \
                         or name a file holding it with `--event FILE`"
                    ))
                }
            },
        },
    };
    match args.next() {
        Some(extra) => Err(format!("unexpected argument `{}`", extra.to_string_lossy())),
        None => Ok(command),
    }
}

/// `--flag=VALUE`'s value, whatever bytes it holds (a file name need not
/// be UTF-8).
pub(crate) fn flag_value(arg: &OsStr, prefix: &str) -> Option<OsString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        arg.as_bytes()
            .strip_prefix(prefix.as_bytes())
            .map(|value| OsStr::from_bytes(value).to_owned())
    }
    #[cfg(not(unix))]
    {
        arg.to_str()?.strip_prefix(prefix).map(OsString::from)
    }
}

/// The event's bytes; a blank one is Lambda's default payload, `{}`, or,
/// when `mode` takes none, the error saying what to pass.
pub(crate) fn read_event(source: EventSource, mode: Mode) -> Result<Vec<u8>, String> {
    let bytes = match source {
        EventSource::Inline(json) => json.into_bytes(),
        EventSource::File(path) => std::fs::read(&path)
            .map_err(|err| format!("cannot read event file {}: {err}", path.to_string_lossy()))?,
        EventSource::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|err| format!("cannot read the event from standard input: {err}"))?;
            buf
        }
        EventSource::Empty => Vec::new(),
    };
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(bytes);
    }
    match mode.without_event {
        None => Ok(b"{}".to_vec()),
        Some(message) => Err(message.to_owned()),
    }
}

/// Reads the command line; `Err` is the exit code to stop with.
pub(crate) fn event_from_command_line(reads_event: bool, mode: Mode) -> Result<Vec<u8>, ExitCode> {
    let stdin_is_tty = !reads_event || std::io::stdin().is_terminal();
    match parse_args(std::env::args_os().skip(1), stdin_is_tty) {
        Ok(Command::Help) => {
            println!("{}", mode.usage);
            Err(ExitCode::SUCCESS)
        }
        Ok(Command::Run(source)) => read_event(source, mode).map_err(|message| {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }),
        Err(message) => {
            eprintln!("error: {message}\n\n{}", mode.usage);
            Err(ExitCode::from(2))
        }
    }
}

/// The function's timeout when `AWS_LAMBDA_FUNCTION_TIMEOUT` is unset, as
/// for a new Lambda function.
const DEFAULT_FUNCTION_TIMEOUT: u64 = 3;
/// The longest timeout Lambda allows.
const MAX_FUNCTION_TIMEOUT: u64 = 900;

/// The function's timeout outside Lambda, from `AWS_LAMBDA_FUNCTION_TIMEOUT`.
/// Read once at startup, so a bad value stops the run before any work.
pub(crate) fn function_timeout() -> Result<Duration, String> {
    parse_function_timeout(std::env::var("AWS_LAMBDA_FUNCTION_TIMEOUT").ok().as_deref())
}

/// Whole seconds in Lambda's range, 1 to 900; unset or blank is the default.
fn parse_function_timeout(value: Option<&str>) -> Result<Duration, String> {
    let text = value.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(Duration::from_secs(DEFAULT_FUNCTION_TIMEOUT));
    }
    match text.parse::<u64>() {
        Ok(seconds @ 1..=MAX_FUNCTION_TIMEOUT) => Ok(Duration::from_secs(seconds)),
        _ => Err(format!(
            "AWS_LAMBDA_FUNCTION_TIMEOUT must be a whole number of seconds from 1 to \
             {MAX_FUNCTION_TIMEOUT}, not `{text}`; unset, the timeout is \
             {DEFAULT_FUNCTION_TIMEOUT} s"
        )),
    }
}

/// A context like the one Lambda would pass, from the environment when set,
/// with its deadline `timeout` from now.
pub(crate) fn local_context(timeout: Duration) -> Context {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let function_name = env("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| {
        std::env::args_os()
            .next()
            .and_then(|path| {
                std::path::Path::new(&path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "function".to_owned())
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Saturating: a clock or timeout out of range must not panic here.
    let deadline = now.checked_add(timeout).unwrap_or(Duration::MAX);
    let mut context = Context::default();
    context.request_id = format!("local-{:x}-{:x}", std::process::id(), now.as_nanos());
    context.deadline = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
    context.invoked_function_arn =
        format!("arn:aws:lambda:local:000000000000:function:{function_name}");
    context.env_config = Arc::new(Config {
        function_name,
        memory: env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
            .and_then(|m| m.parse().ok())
            .unwrap_or(128),
        version: env("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_else(|| "$LATEST".to_owned()),
        log_stream: String::new(),
        log_group: String::new(),
    });
    context
}

/// Prints the outcome the way the Lambda console shows it.
pub(crate) fn report<T: serde::Serialize>(outcome: Result<T, Diagnostic>) -> ExitCode {
    let outcome = outcome.and_then(|value| {
        serde_json::to_string(&value).map_err(|err| Diagnostic {
            error_type: "Runtime.SerializationError".to_owned(),
            error_message: err.to_string(),
        })
    });
    match outcome {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            print_error(&error);
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn print_error(error: &Diagnostic) {
    eprintln!(
        "{}",
        serde_json::to_string(error).expect("a Diagnostic always serializes")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], tty: bool) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from), tty)
    }

    #[test]
    fn command_lines() {
        use EventSource::*;
        assert_eq!(parse(&[], true), Ok(Command::Run(Empty)));
        assert_eq!(parse(&[], false), Ok(Command::Run(Stdin)));
        assert_eq!(parse(&["-"], true), Ok(Command::Run(Stdin)));
        assert_eq!(
            parse(&[r#"{"a":1}"#], false),
            Ok(Command::Run(Inline(r#"{"a":1}"#.into())))
        );
        assert_eq!(
            parse(&["--event", "e.json"], true),
            Ok(Command::Run(File("e.json".into())))
        );
        assert_eq!(
            parse(&["--event=e.json"], true),
            Ok(Command::Run(File("e.json".into())))
        );
        assert_eq!(parse(&["--help"], true), Ok(Command::Help));
        assert!(parse(&["--event"], true)
            .unwrap_err()
            .contains("needs a file"));
        assert!(parse(&["--bogus"], true)
            .unwrap_err()
            .contains("unknown option `--bogus`"));
        assert!(parse(&["1", "2"], true)
            .unwrap_err()
            .contains("unexpected argument `2`"));
    }

    #[cfg(unix)]
    #[test]
    fn arguments_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let raw = |bytes: &[u8]| OsStr::from_bytes(bytes).to_owned();
        let name = raw(b"ev\xffent.json");
        assert_eq!(
            parse_args([raw(b"--event=ev\xffent.json")], true),
            Ok(Command::Run(EventSource::File(name.clone())))
        );
        assert_eq!(
            parse_args([raw(b"--event"), name.clone()], true),
            Ok(Command::Run(EventSource::File(name)))
        );
        let err = parse_args([raw(b"{\"a\":\xff}")], true).unwrap_err();
        assert!(err.contains("is not valid UTF-8"), "{err}");
    }

    #[test]
    fn blank_events_are_lambdas_default_payload() {
        let read = |source| read_event(source, EVENT_MODE);
        assert_eq!(read(EventSource::Empty).unwrap(), b"{}");
        assert_eq!(read(EventSource::Inline("  \n".into())).unwrap(), b"{}");
        assert_eq!(read(EventSource::Inline("[1]".into())).unwrap(), b"[1]");
        let err = read(EventSource::File("/nonexistent/event.json".into())).unwrap_err();
        assert!(
            err.contains("cannot read event file /nonexistent/event.json"),
            "{err}"
        );
    }

    #[test]
    fn a_mode_without_a_default_event_says_what_to_pass() {
        let mode = Mode {
            usage: "usage",
            without_event: Some("pass a request event"),
        };
        for blank in [EventSource::Empty, EventSource::Inline(" \n".into())] {
            assert_eq!(
                read_event(blank, mode),
                Err("pass a request event".to_owned())
            );
        }
        assert_eq!(
            read_event(EventSource::Inline("{}".into()), mode).unwrap(),
            b"{}"
        );
    }

    #[test]
    fn local_context_looks_like_lambdas() {
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let ctx = local_context(Duration::from_secs(7));
        let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(ctx.request_id.starts_with("local-"));
        let deadline = Duration::from_millis(ctx.deadline);
        assert!(
            before + Duration::from_secs(7) - Duration::from_millis(1) <= deadline
                && deadline <= after + Duration::from_secs(7)
        );
        assert!(ctx
            .invoked_function_arn
            .starts_with("arn:aws:lambda:local:"));
        assert!(!ctx.env_config.function_name.is_empty());
    }

    #[test]
    fn function_timeouts() {
        let secs = |s: u64| Ok(Duration::from_secs(s));
        assert_eq!(parse_function_timeout(None), secs(3));
        assert_eq!(parse_function_timeout(Some("")), secs(3));
        assert_eq!(parse_function_timeout(Some("  ")), secs(3));
        assert_eq!(parse_function_timeout(Some("1")), secs(1));
        assert_eq!(parse_function_timeout(Some(" 60\n")), secs(60));
        assert_eq!(parse_function_timeout(Some("900")), secs(900));
        for bad in [
            "0",
            "901",
            "30s",
            "1.5",
            "-1",
            "lots",
            "18446744073709551616",
        ] {
            let err = parse_function_timeout(Some(bad)).unwrap_err();
            assert_eq!(
                err,
                format!(
                    "AWS_LAMBDA_FUNCTION_TIMEOUT must be a whole number of seconds from 1 to 900, \
                     not `{bad}`; unset, the timeout is 3 s"
                )
            );
        }
    }

    #[test]
    fn a_deadline_out_of_range_saturates() {
        assert_eq!(local_context(Duration::MAX).deadline, u64::MAX);
    }
}
