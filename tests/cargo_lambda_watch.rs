//! The examples served by `cargo lambda watch`, the local emulator of the
//! README's deploy walkthrough: plain events through `cargo lambda invoke`,
//! HTTP examples over plain HTTP to its Function URL route
//! (`/lambda-url/NAME/path`), the database examples against a MariaDB
//! database of the test's own.
//!
//! Needs cargo-lambda (`pip install cargo-lambda`; tests/run.sh installs it)
//! and a database server (`DATABASE_URL`, default root@127.0.0.1:3306).
//! Tier 2: ignored by plain `cargo test`, run by tests/run.sh (or
//! `cargo test --test cargo_lambda_watch -- --include-ignored`).
//! The watched functions are built by `cargo run` in this build's target
//! directory, so the debug binaries of an earlier `cargo build` are reused.

mod rds_common;
mod tools;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rds_common::TestDb;
use serde_json::{json, Value};
use tools::{require_cargo_lambda, workspace};

/// A cold build of the examples on a busy 2-core machine.
const BUILD_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// An invocation, including `cargo run` finding the binary up to date and
/// the function's cold start.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The emulator binding its port.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// `cargo lambda ...`, run from the workspace.
fn cargo_lambda() -> Command {
    let mut command = Command::new(env!("CARGO"));
    command.current_dir(workspace()).arg("lambda");
    command
}

/// Builds the binaries `cargo lambda watch` will `cargo run`, with the same
/// flags, so their first invocations find them up to date and a compile
/// error shows up here, with cargo's output.
fn build(bins: &[&str]) {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace())
        .args(["build", "--manifest-path", "Cargo.toml"]);
    for bin in bins {
        command.args(["--bin", bin]);
    }
    let output = run_with_timeout(&mut command, BUILD_TIMEOUT)
        .unwrap_or_else(|err| panic!("cargo build: {err}"));
    assert!(
        output.status.success(),
        "`cargo build` of {bins:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `command` to completion, killing it after `timeout`.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<Output, String> {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot start: {err}"))?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(output) => output.map_err(|err| err.to_string()),
        Err(_) => {
            signal("KILL", Target::Process(pid));
            Err(format!("did not finish within {timeout:?}"))
        }
    }
}

/// What `signal` sends a signal to.
#[derive(Clone, Copy)]
enum Target {
    Process(u32),
    Group(u32),
}

/// `kill -s SIGNAL -- TARGET`; a process that is already gone is not an
/// error. The `--` matters: procps' `kill -KILL -1234` reads `-1234` as
/// options and signals process group 1, that is, every process.
fn signal(signal: &str, target: Target) {
    let target = match target {
        Target::Process(pid) if pid > 1 => pid.to_string(),
        Target::Group(pgid) if pgid > 1 => format!("-{pgid}"),
        _ => return,
    };
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("an ephemeral port")
        .port()
}

/// A running `cargo lambda watch`. Dropping it stops the watch and every
/// function process it started, pass or fail, and prints their output if
/// the test failed.
struct Watch {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Watch {
    /// Starts the emulator on 127.0.0.1 with `env` for every function and
    /// waits until it accepts connections.
    fn start(env: &[(&str, &str)]) -> Watch {
        Self::start_with(&[], env)
    }

    /// [`start`](Self::start), with more arguments for `cargo lambda watch`.
    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Watch {
        let port = free_port();
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "cargo-lambda-watch-{}-{port}.log",
            std::process::id()
        ));
        let log_file = File::create(&log).expect("the watch log");
        let mut command = cargo_lambda();
        command
            .args(["watch", "--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            // The checkout may change while the test runs; keep the
            // functions it started.
            .arg("--ignore-changes")
            .args(args);
        for (name, value) in env {
            command.arg("--env-var").arg(format!("{name}={value}"));
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("the watch log"))
            .stderr(log_file)
            // Its own process group, so stopping it reaches `cargo run`
            // and the functions too.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start `cargo lambda watch`: {err}"));
        let mut watch = Watch { child, port, log };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = watch.child.try_wait() {
                panic!("`cargo lambda watch` exited ({status}) before listening");
            }
            assert!(
                Instant::now() < deadline,
                "`cargo lambda watch` did not listen on port {port} within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        watch
    }

    /// Everything the watch and its functions printed so far.
    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the output satisfies `ready` and returns it; panics
    /// with the output after `START_TIMEOUT` (a guard against a hang, not a
    /// time limit under test). The watch may relay its functions' output,
    /// so a line logged before a reply may reach the log after it.
    fn wait_for_output(&self, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let output = self.output();
            if ready(&output) {
                return output;
            }
            assert!(
                Instant::now() < deadline,
                "the expected output did not appear within {START_TIMEOUT:?}:\n{output}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `cargo lambda invoke FUNCTION --data-ascii DATA`: the reply printed
    /// on success, or the error printed on failure.
    fn invoke(&self, function: &str, data: &str) -> Result<String, String> {
        let mut command = cargo_lambda();
        command
            .args(["invoke", function, "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .args(["--data-ascii", data])
            .env("NO_COLOR", "1");
        let output = run_with_timeout(&mut command, INVOKE_TIMEOUT)
            .unwrap_or_else(|err| panic!("`cargo lambda invoke {function}`: {err}"));
        let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(stderr)
        }
    }

    /// `cargo lambda invoke` expected to succeed, its reply as JSON.
    fn invoke_ok(&self, function: &str, data: &str) -> Value {
        match self.invoke(function, data) {
            Ok(reply) => serde_json::from_str(&reply).unwrap_or_else(|err| {
                panic!("{function} replied with something that is not JSON ({err}): {reply}")
            }),
            Err(error) => panic!("invoking {function} with {data} failed:\n{error}"),
        }
    }

    /// One HTTP/1.1 request to the watch's Function URL route for
    /// `function`: `/lambda-url/FUNCTION{path}`.
    fn http(&self, method: &str, function: &str, path: &str, body: Option<&Value>) -> Response {
        let target = format!("/lambda-url/{function}{path}");
        request(self.port, method, &target, body)
            .unwrap_or_else(|err| panic!("{method} {target}: {err}"))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The functions run in process groups of their own (watchexec
        // starts each in a new group): note them before the watch goes,
        // as they are orphaned if it dies first.
        let pid = self.child.id();
        let mut processes = descendants(pid);
        // SIGTERM lets the watch stop its functions itself.
        signal("TERM", Target::Process(pid));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        processes.extend(descendants(pid));
        signal("KILL", Target::Group(pid));
        for process in processes {
            signal("KILL", Target::Process(process));
        }
        let _ = self.child.wait();
        // A failing test shows what the watch, cargo and the functions said.
        if std::thread::panicking() {
            eprintln!("--- cargo lambda watch output:\n{}", self.output());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Every live process below `root` in the process tree (Linux `/proc`).
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// An HTTP response: status, headers (names lowercased) and body.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON, with a JSON content type.
    fn json(&self) -> Value {
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "expected a JSON response, got content-type {content_type:?}: {self:?}"
        );
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("the body is not JSON ({err}): {self:?}"))
    }
}

/// A minimal HTTP/1.1 client: one request per connection
/// (`Connection: close`), chunked or sized bodies.
fn request(
    port: u16,
    method: &str,
    target: &str,
    body: Option<&Value>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(INVOKE_TIMEOUT))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| {
        std::io::Error::other(format!(
            "malformed HTTP response: {}",
            String::from_utf8_lossy(&raw)
        ))
    })
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    if chunked {
        payload = dechunk(&payload)?;
    }
    Some(Response {
        status,
        headers,
        body: String::from_utf8(payload).ok()?,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_field = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_field.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// An example's SQL script without its `CREATE DATABASE` and `USE`: the
/// test runs it in a database of its own.
fn schema(file: &str) -> String {
    // examples/NAME/NAME.sql, beside the example's package.
    let example = file.trim_end_matches(".sql");
    let path = workspace().join("examples").join(example).join(file);
    let script = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    rds_common::in_own_database(&script)
}

/// A JSON array of items in id order, for comparing listings.
fn by_id(items: Value) -> Vec<Value> {
    let mut items = match items {
        Value::Array(items) => items,
        other => panic!("expected an array of items, got {other}"),
    };
    items.sort_by_key(|item| item["id"].as_i64());
    items
}

#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda (tests/run.sh installs it); tests/run.sh runs it"]
async fn plain_events_through_cargo_lambda_invoke() {
    require_cargo_lambda();
    let started = Instant::now();
    let db = TestDb::create(&schema("rds_lookup.sql")).await;
    build(&["hello", "echo", "fail", "rds_lookup"]);
    let watch = Watch::start(&[("DATABASE_URL", &db.url())]);

    assert_eq!(watch.invoke_ok("hello", "{}"), json!("Hello World!!"));
    assert_eq!(
        watch.invoke_ok(
            "echo",
            r#"{"key1":"value1","key2":"value2","key3":"value3"}"#
        ),
        json!("value1")
    );

    let error = watch
        .invoke("echo", r#"{"key1":"value1","key2":"value2"}"#)
        .expect_err("an event without key3 is an error");
    assert!(
        error.contains("Runtime.UnmarshalError") && error.contains("missing field `key3`"),
        "{error}"
    );
    let error = watch
        .invoke("fail", "{}")
        .expect_err("fail raises an error");
    assert!(
        error.contains("SomethingWentWrong") && error.contains("Something went wrong"),
        "{error}"
    );

    assert_eq!(
        watch.invoke_ok("rds_lookup", r#"{"name":"jhc"}"#),
        json!("last row for jhc")
    );
    assert_eq!(
        watch.invoke_ok("rds_lookup", r#"{"name":"nobody"}"#),
        Value::Null
    );

    watch.wait_for_output(|output| {
        output.contains("Loading function") && output.contains("value2 = value2")
    });
    drop(watch);
    eprintln!(
        "plain events through cargo lambda watch: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda (tests/run.sh installs it); tests/run.sh runs it"]
async fn invocations_at_once_with_watch_concurrency() {
    require_cargo_lambda();
    let db = TestDb::create(&schema("rds_lookup.sql")).await;
    build(&["echo", "rds_lookup"]);
    // `--concurrency 4` runs up to four instances of each function, each
    // told `AWS_LAMBDA_MAX_CONCURRENCY=1` by cargo-lambda.
    let watch = Watch::start_with(&["--concurrency", "4"], &[("DATABASE_URL", &db.url())]);
    let answers: Vec<(Value, Value)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let watch = &watch;
                scope.spawn(move || {
                    let echo = watch
                        .invoke_ok("echo", &format!(r#"{{"key1":{i},"key2":"b","key3":"c"}}"#));
                    let name = if i % 2 == 0 { "jhc" } else { "alice" };
                    let lookup = watch.invoke_ok("rds_lookup", &format!(r#"{{"name":"{name}"}}"#));
                    (echo, lookup)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for (i, (echo, lookup)) in answers.into_iter().enumerate() {
        assert_eq!(echo, json!(i));
        let expected = if i % 2 == 0 {
            "last row for jhc"
        } else {
            "hello from alice"
        };
        assert_eq!(lookup, json!(expected), "lookup {i}");
    }
    let output = watch.output();
    assert!(!output.contains("panicked"), "{output}");
}

#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda (tests/run.sh installs it); tests/run.sh runs it"]
async fn http_examples_through_the_function_url_route() {
    require_cargo_lambda();
    let started = Instant::now();
    let db = TestDb::create(&schema("items.sql")).await;
    build(&["api_hello", "items"]);
    let watch = Watch::start(&[("DATABASE_URL", &db.url())]);

    let hello = watch.http("GET", "api_hello", "/hello", None);
    assert_eq!(hello.status, 200, "{hello:?}");
    assert_eq!(hello.json(), json!({"message": "Hello World!!"}));
    let ada = watch.http("GET", "api_hello", "/hello?name=Ada", None);
    assert_eq!(ada.status, 200, "{ada:?}");
    assert_eq!(ada.json(), json!({"message": "Hello, Ada!"}));

    let before = watch.http("GET", "items", "/items", None);
    assert_eq!(before.status, 200, "{before:?}");
    let before = before.json();
    assert!(before.is_array(), "GET /items lists the items: {before}");

    let name = format!("pear-{}", std::process::id());
    let created = watch.http("POST", "items", "/items", Some(&json!({"name": name})));
    assert_eq!(created.status, 201, "{created:?}");
    let item = created.json();
    assert_eq!(item["name"], json!(name), "{item}");
    let id = item["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("the created item has an integer id: {item}"));
    assert_eq!(item, json!({"id": id, "name": name}));

    let fetched = watch.http("GET", "items", &format!("/items/{id}"), None);
    assert_eq!(fetched.status, 200, "{fetched:?}");
    assert_eq!(fetched.json(), item);

    let listed = watch.http("GET", "items", "/items", None);
    assert_eq!(listed.status, 200, "{listed:?}");
    let mut expected = before.as_array().unwrap().clone();
    expected.push(item.clone());
    assert_eq!(by_id(listed.json()), by_id(Value::Array(expected)));

    let deleted = watch.http("DELETE", "items", &format!("/items/{id}"), None);
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(deleted.body, "", "{deleted:?}");

    let gone = watch.http("GET", "items", &format!("/items/{id}"), None);
    assert_eq!(gone.status, 404, "{gone:?}");
    gone.json();
    let deleted_again = watch.http("DELETE", "items", &format!("/items/{id}"), None);
    assert_eq!(deleted_again.status, 404, "{deleted_again:?}");
    let listed = watch.http("GET", "items", "/items", None);
    assert_eq!(by_id(listed.json()), by_id(before), "{listed:?}");

    let unknown = watch.http("GET", "items", "/nowhere", None);
    assert_eq!(unknown.status, 404, "{unknown:?}");
    let wrong_method = watch.http("PUT", "items", "/items", Some(&json!({"name": "x"})));
    assert_eq!(wrong_method.status, 405, "{wrong_method:?}");

    drop(watch);
    eprintln!(
        "HTTP examples through cargo lambda watch: {:?}",
        started.elapsed()
    );
}
