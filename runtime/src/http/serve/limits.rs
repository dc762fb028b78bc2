//! The bounds of the local server, from `LAMBDA_KIT_SERVE_*` environment
//! variables with defaults like the services': a body over Lambda's 6 MB
//! payload limit is refused, slow clients are cut off, and the number of
//! open connections is capped.

use std::time::Duration;

/// The largest request body, in bytes.
pub(crate) const MAX_BODY: &str = "LAMBDA_KIT_SERVE_MAX_BODY";
/// Seconds a client has to send a request's head.
pub(crate) const HEADER_TIMEOUT: &str = "LAMBDA_KIT_SERVE_HEADER_TIMEOUT";
/// Seconds a request body, or the client's reading of the response, may
/// stall.
pub(crate) const IDLE_TIMEOUT: &str = "LAMBDA_KIT_SERVE_IDLE_TIMEOUT";
/// Connections served at once.
pub(crate) const MAX_CONNECTIONS: &str = "LAMBDA_KIT_SERVE_MAX_CONNECTIONS";

/// What `--serve` accepts from a client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Limits {
    /// Larger bodies are answered 413.
    pub max_body: usize,
    /// From the moment the server waits for a request (a new connection,
    /// or the previous response sent) to the end of its head.
    pub header_timeout: Duration,
    /// The longest a request body may go without a byte arriving (408),
    /// or a response without the client reading any of it (the
    /// connection is closed).
    pub idle_timeout: Duration,
    /// Further clients wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Lambda's limit for a synchronous invocation's payload: 6 MB.
            max_body: 6 * 1024 * 1024,
            header_timeout: Duration::from_secs(30),
            // Load balancers' default idle timeout.
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
        }
    }
}

impl Limits {
    /// The limits from the process environment; `Err` names the variable
    /// whose value is not usable and says what to write.
    pub(crate) fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, String> {
        let mut limits = Limits::default();
        let value = |name: &str| -> Result<Option<String>, String> {
            match lookup(name) {
                None => Ok(None),
                Some(value) => value
                    .into_string()
                    .map(Some)
                    .map_err(|value| format!("{name}={value:?} is not valid UTF-8")),
            }
        };
        if let Some(text) = value(MAX_BODY)? {
            limits.max_body = count(MAX_BODY, &text, "bytes, e.g. 6291456")?;
        }
        if let Some(text) = value(HEADER_TIMEOUT)? {
            limits.header_timeout = seconds(HEADER_TIMEOUT, &text)?;
        }
        if let Some(text) = value(IDLE_TIMEOUT)? {
            limits.idle_timeout = seconds(IDLE_TIMEOUT, &text)?;
        }
        if let Some(text) = value(MAX_CONNECTIONS)? {
            limits.max_connections = count(MAX_CONNECTIONS, &text, "connections, e.g. 256")?;
        }
        Ok(limits)
    }
}

/// A positive whole number.
fn count(name: &str, text: &str, example: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{name}={text:?} is not a positive whole number of {example}"
        )),
    }
}

/// A positive number of seconds, fractions allowed.
fn seconds(name: &str, text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            format!("{name}={text:?} is not a positive number of seconds, e.g. 30 or 0.5")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn limits(vars: &[(&str, &str)]) -> Result<Limits, String> {
        Limits::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn defaults_are_the_services() {
        let defaults = limits(&[]).unwrap();
        assert_eq!(defaults.max_body, 6_291_456);
        assert_eq!(defaults.header_timeout, Duration::from_secs(30));
        assert_eq!(defaults.idle_timeout, Duration::from_secs(60));
        assert_eq!(defaults.max_connections, 256);
    }

    #[test]
    fn values_override_the_defaults() {
        let set = limits(&[
            (MAX_BODY, "1000"),
            (HEADER_TIMEOUT, "0.5"),
            (IDLE_TIMEOUT, " 2 "),
            (MAX_CONNECTIONS, "2"),
        ])
        .unwrap();
        assert_eq!(
            set,
            Limits {
                max_body: 1000,
                header_timeout: Duration::from_millis(500),
                idle_timeout: Duration::from_secs(2),
                max_connections: 2,
            }
        );
    }

    #[test]
    fn bad_values_are_errors_naming_the_variable() {
        for (name, value) in [
            (MAX_BODY, "6MB"),
            (MAX_BODY, "0"),
            (MAX_BODY, "-1"),
            (MAX_CONNECTIONS, ""),
            (HEADER_TIMEOUT, "0"),
            (HEADER_TIMEOUT, "ten"),
            (IDLE_TIMEOUT, "-3"),
            (IDLE_TIMEOUT, "NaN"),
            (IDLE_TIMEOUT, "inf"),
            (IDLE_TIMEOUT, "1e30"),
        ] {
            let err = limits(&[(name, value)]).unwrap_err();
            assert!(err.starts_with(&format!("{name}=")), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_values_are_errors() {
        use std::os::unix::ffi::OsStrExt;
        let err = Limits::from_lookup(|name| {
            (name == MAX_BODY).then(|| std::ffi::OsStr::from_bytes(b"\xff").to_owned())
        })
        .unwrap_err();
        assert!(err.contains("not valid UTF-8"), "{err}");
    }
}
