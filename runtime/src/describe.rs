//! A bootstrap's description of itself, for `lambda-kit template`.
//!
//! Run outside Lambda (no `AWS_LAMBDA_RUNTIME_API`) with
//! `LAMBDA_KIT_DESCRIBE=1`, a generated `main` prints one line of JSON
//! (its kind, routes, batch source and the facts of `deploy(...)`) and
//! exits 0 before anything else: no init, no logging set-up, no network.
//! The template generator builds the workspace's bootstraps and reads
//! that line from each; this module is the bootstrap's half of it.

use std::io::Write;

/// The variable that asks a bootstrap for its description.
pub const DESCRIBE_VAR: &str = "LAMBDA_KIT_DESCRIBE";

/// The version of the JSON a bootstrap prints; the generator refuses
/// versions it does not know.
pub const FORMAT_VERSION: u32 = 1;

/// What a generated `main` knows about its function. Not public API: the
/// macros build it; its JSON is the contract with `lambda-kit template`.
#[derive(Clone, Copy, Debug)]
pub struct Description<'a> {
    /// The handler function's name (`router` for `router!`).
    pub handler: &'a str,
    /// `plain`, `http`, `router`, `sqs`, `kinesis` or `dynamodb`.
    pub kind: &'a str,
    /// A router's routes: method and path pattern.
    pub routes: &'a [(&'a str, &'a str)],
    /// `deploy(memory = ..)`, in MB.
    pub memory: Option<u32>,
    /// `deploy(timeout = ..)`, in seconds.
    pub timeout: Option<u32>,
    /// `deploy(architecture = ..)`.
    pub architecture: Option<&'a str>,
    /// `deploy(env(NAME = "value", ..))`, in source order.
    pub environment: &'a [(&'a str, &'a str)],
    /// `deploy(database)`.
    pub database: bool,
    /// `deploy(queue = ..)` or `deploy(stream = ..)`.
    pub source: Option<&'a str>,
    /// `deploy(batch_size = ..)`.
    pub batch_size: Option<u32>,
    /// `deploy(trigger = ..)`.
    pub trigger: Option<&'a str>,
    /// `deploy(api = ..)`.
    pub api: Option<&'a str>,
}

impl Description<'static> {
    /// A function that declares nothing but its name and kind; the macros
    /// fill in the rest with struct update syntax.
    pub const fn of(handler: &'static str, kind: &'static str) -> Self {
        Description {
            handler,
            kind,
            routes: &[],
            memory: None,
            timeout: None,
            architecture: None,
            environment: &[],
            database: false,
            source: None,
            batch_size: None,
            trigger: None,
            api: None,
        }
    }
}

impl Description<'_> {
    /// The JSON line `lambda-kit template` reads.
    pub fn to_json(&self) -> serde_json::Value {
        let pairs = |pairs: &[(&str, &str)], first: &str, second: &str| {
            pairs
                .iter()
                .map(|(a, b)| serde_json::json!({ first: a, second: b }))
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "lambda_kit_description": FORMAT_VERSION,
            "handler": self.handler,
            "kind": self.kind,
            // As the router matches them (a trailing `/` dropped): the
            // template's events must send it exactly those requests.
            "routes": self
                .routes
                .iter()
                .map(|(method, path)| {
                    let path = lambda_kit_core::route::Pattern::parse(path)
                        .map_or_else(|_| (*path).to_owned(), |pattern| pattern.to_string());
                    serde_json::json!({ "method": method, "path": path })
                })
                .collect::<Vec<_>>(),
            "memory": self.memory,
            "timeout": self.timeout,
            "architecture": self.architecture,
            "environment": pairs(self.environment, "name", "value"),
            "database": self.database,
            "source": self.source,
            "batch_size": self.batch_size,
            "trigger": self.trigger,
            "api": self.api,
        })
    }
}

/// Called first by every generated `main`: when asked (and only outside
/// Lambda, so a stray variable in a function's configuration cannot stop
/// it), prints the description and exits.
pub fn describe(description: &Description<'_>) {
    if std::env::var_os(DESCRIBE_VAR).is_none()
        || std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
    {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "{}", description.to_json()).and_then(|()| stdout.flush());
    std::process::exit(if written.is_ok() { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_names_every_field_of_the_contract() {
        let description = Description {
            routes: &[("GET", "/items/{id}/")],
            memory: Some(256),
            environment: &[("STAGE", "prod")],
            database: true,
            trigger: Some("url"),
            ..Description::of("items", "router")
        };
        assert_eq!(
            description.to_json().to_string(),
            r#"{"api":null,"architecture":null,"batch_size":null,"database":true,"environment":[{"name":"STAGE","value":"prod"}],"handler":"items","kind":"router","lambda_kit_description":1,"memory":256,"routes":[{"method":"GET","path":"/items/{id}"}],"source":null,"timeout":null,"trigger":"url"}"#
        );
    }
}
