//! A Lambda Runtime API emulator for end-to-end tests of real bootstraps
//! (feature `testing`).
//!
//! It serves the endpoints a bootstrap talks to (`invocation/next`,
//! `invocation/{id}/response`, `invocation/{id}/error`, `init/error`) over
//! HTTP on an ephemeral loopback port, with the request-id, deadline,
//! function-arn and trace-id headers Lambda sends. [`Function`] starts a
//! compiled bootstrap against it and invokes it like Lambda would:
//!
//! ```no_run
//! # async fn demo() -> Result<(), lambda_kit::testing::EmulatorError> {
//! use lambda_kit::testing::Function;
//!
//! // In an integration test of the package: `env!("CARGO_BIN_EXE_echo")`.
//! let mut function = Function::spawn("target/debug/echo").await?;
//! let reply = function.invoke(&serde_json::json!({"key1": "a", "key2": "b", "key3": "c"})).await?;
//! assert_eq!(reply, Ok(serde_json::json!("a")));
//! # Ok(()) }
//! ```

#[cfg(feature = "http")]
pub mod http;

use std::collections::HashMap;
use std::convert::Infallible;
use std::ffi::OsStr;
use std::fmt;
use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::http::{Method, Request, Response, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use crate::Diagnostic;

const PREFIX: &str = "/2018-06-01/runtime";

/// How long an invocation may take before [`RuntimeApi::invoke_raw`] gives
/// up, unless changed with [`RuntimeApi::set_timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The function name the emulator announces to bootstraps.
pub const FUNCTION_NAME: &str = "test-function";

/// Why the emulator could not produce an invocation's outcome.
#[derive(Debug)]
pub enum EmulatorError {
    /// No response or error arrived within the timeout.
    Timeout(Duration),
    /// The bootstrap process exited (with this status) first.
    Exited(ExitStatus),
    /// Starting or talking to the process or socket failed.
    Io(std::io::Error),
    /// The event could not be serialized.
    Event(serde_json::Error),
    /// The process closed stdout and stderr without writing what
    /// [`Function::wait_for_output`] waited for.
    OutputEnded,
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(limit) => write!(f, "no answer from the function within {limit:?}"),
            Self::Exited(status) => write!(f, "the function exited ({status})"),
            Self::Io(err) => write!(f, "emulator I/O failed: {err}"),
            Self::Event(err) => write!(f, "the event does not serialize: {err}"),
            Self::OutputEnded => write!(
                f,
                "the function closed its output without writing the expected text"
            ),
        }
    }
}

impl std::error::Error for EmulatorError {}

impl From<std::io::Error> for EmulatorError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

/// What a bootstrap answered to one invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The request id the emulator assigned.
    pub request_id: String,
    /// The response body, or the error report.
    pub outcome: Outcome,
}

/// The two ways an invocation ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Posted to `invocation/{id}/response`.
    Response(Bytes),
    /// Posted to `invocation/{id}/error`.
    Error(ErrorReport),
}

/// An error posted to `invocation/{id}/error` or `init/error`.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorReport {
    /// The `Lambda-Runtime-Function-Error-Type` header, if sent.
    pub error_type_header: Option<String>,
    /// The raw body.
    pub body: Bytes,
}

impl ErrorReport {
    /// The body as the `{"errorType", "errorMessage"}` document; a body that
    /// is not one is returned as the message of a `Runtime.InvalidErrorBody`.
    pub fn diagnostic(&self) -> Diagnostic {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Diagnostic {
            error_type: "Runtime.InvalidErrorBody".to_owned(),
            error_message: String::from_utf8_lossy(&self.body).into_owned(),
        })
    }
}

impl Completion {
    /// The response as JSON, or the error document. A response body that
    /// is not JSON becomes a `Runtime.InvalidResponse` error.
    pub fn into_result(self) -> Result<Value, Diagnostic> {
        match self.outcome {
            Outcome::Response(body) => serde_json::from_slice(&body).map_err(|err| Diagnostic {
                error_type: "Runtime.InvalidResponse".to_owned(),
                error_message: format!("{err}: {}", String::from_utf8_lossy(&body)),
            }),
            Outcome::Error(report) => Err(report.diagnostic()),
        }
    }
}

struct Pending {
    request_id: String,
    payload: Bytes,
    deadline: Duration,
    done: oneshot::Sender<Outcome>,
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: watch::Sender<Option<ErrorReport>>,
    next_id: AtomicU64,
    arn: String,
}

/// The emulated Runtime API, serving on `127.0.0.1` until dropped.
pub struct RuntimeApi {
    address: SocketAddr,
    shared: Arc<Shared>,
    /// `None` once shut down: `next` then answers 410 and the bootstrap exits.
    sender: Option<mpsc::UnboundedSender<Pending>>,
    timeout: Duration,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeApi {
    /// Binds an ephemeral loopback port and starts serving on the current
    /// tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
            init_error: watch::channel(None).0,
            next_id: AtomicU64::new(1),
            arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        Ok(Self {
            address,
            shared,
            sender: Some(sender),
            timeout: DEFAULT_TIMEOUT,
            server,
        })
    }

    /// The `host:port` to put in `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Changes how long an invocation may take (also sent as its deadline).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sets the environment Lambda gives a bootstrap: the Runtime API
    /// address and the function's name, memory, version and log names.
    pub fn configure<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("AWS_LAMBDA_RUNTIME_API", self.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{FUNCTION_NAME}"),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local/stream")
            .env(
                "AWS_LAMBDA_FUNCTION_TIMEOUT",
                self.timeout.as_secs().max(1).to_string(),
            )
    }

    /// Queues one invocation with this raw payload and waits for the
    /// bootstrap's answer.
    pub async fn invoke_raw(&self, payload: impl Into<Bytes>) -> Result<Completion, EmulatorError> {
        let (done, outcome) = oneshot::channel();
        let request_id = self.enqueue(payload.into(), done);
        match tokio::time::timeout(self.timeout, outcome).await {
            Ok(Ok(outcome)) => Ok(Completion {
                request_id,
                outcome,
            }),
            Ok(Err(_)) | Err(_) => Err(EmulatorError::Timeout(self.timeout)),
        }
    }

    /// Stops handing out invocations: the bootstrap's next poll is refused,
    /// as when Lambda shuts an instance down, so it exits on its own.
    pub fn shut_down(&mut self) {
        self.sender = None;
    }

    fn enqueue(&self, payload: Bytes, done: oneshot::Sender<Outcome>) -> String {
        let serial = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        // Shaped like Lambda's UUIDs; unique per emulator and process.
        let request_id = format!("{:08x}-0000-4000-8000-{serial:012x}", std::process::id());
        let pending = Pending {
            request_id: request_id.clone(),
            payload,
            deadline: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                + self.timeout,
            done,
        };
        // Once shut down, `done` is dropped with `pending` and the invoker
        // sees no answer.
        if let Some(sender) = &self.sender {
            let _ = sender.send(pending);
        }
        request_id
    }

    /// Waits until a bootstrap reports an init failure to `init/error`.
    pub async fn init_error(&self) -> Result<ErrorReport, EmulatorError> {
        let mut reports = self.shared.init_error.subscribe();
        let outcome =
            match tokio::time::timeout(self.timeout, reports.wait_for(Option::is_some)).await {
                Ok(Ok(report)) => Ok(report.clone().expect("waited for Some")),
                _ => Err(EmulatorError::Timeout(self.timeout)),
            };
        outcome
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| route(shared.clone(), request));
            // A bootstrap that exits mid-request just ends its connection.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

fn error_reply(status: StatusCode, message: &str) -> Reply {
    let body = serde_json::json!({"errorType": "InvalidRequest", "errorMessage": message});
    reply(status, body.to_string())
}

async fn route(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(error_reply(StatusCode::NOT_FOUND, "unknown path"));
    };
    let method = request.method().clone();
    let error_type_header = request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    Ok(match (method, segments.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next(&shared).await,
        (Method::POST, ["invocation", id, kind @ ("response" | "error")]) => {
            let body = match request.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(err) => return Ok(error_reply(StatusCode::BAD_REQUEST, &err.to_string())),
            };
            let outcome = if *kind == "response" {
                Outcome::Response(body)
            } else {
                Outcome::Error(ErrorReport {
                    error_type_header,
                    body,
                })
            };
            complete(&shared, id, outcome)
        }
        (Method::POST, ["init", "error"]) => {
            let body = match request.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(err) => return Ok(error_reply(StatusCode::BAD_REQUEST, &err.to_string())),
            };
            shared.init_error.send_replace(Some(ErrorReport {
                error_type_header,
                body,
            }));
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        _ => error_reply(StatusCode::NOT_FOUND, "unknown Runtime API endpoint"),
    })
}

/// Long-polls for the next queued invocation, as Lambda's `next` does.
async fn next(shared: &Shared) -> Reply {
    let pending = {
        let mut queue = shared.queue.lock().await;
        match queue.recv().await {
            Some(pending) => pending,
            None => return error_reply(StatusCode::GONE, "the emulator is shutting down"),
        }
    };
    shared
        .in_flight
        .lock()
        .expect("in-flight map poisoned")
        .insert(pending.request_id.clone(), pending.done);
    let mut response = reply(StatusCode::OK, pending.payload);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, value.parse().expect("header values are ASCII"));
    };
    set("content-type", "application/json".to_owned());
    set("lambda-runtime-aws-request-id", pending.request_id.clone());
    set(
        "lambda-runtime-deadline-ms",
        pending.deadline.as_millis().to_string(),
    );
    set("lambda-runtime-invoked-function-arn", shared.arn.clone());
    let serial = &pending.request_id[pending.request_id.len() - 12..];
    set(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-000000000000{serial};Parent=0000{serial};Sampled=0",
            pending.deadline.as_secs()
        ),
    );
    response
}

fn complete(shared: &Shared, request_id: &str, outcome: Outcome) -> Reply {
    let waiter = shared
        .in_flight
        .lock()
        .expect("in-flight map poisoned")
        .remove(request_id);
    match waiter {
        Some(done) => {
            // The invoker may have timed out and gone; Lambda accepts anyway.
            let _ = done.send(outcome);
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        None => error_reply(
            StatusCode::BAD_REQUEST,
            &format!("no invocation {request_id} is in flight"),
        ),
    }
}

/// A bootstrap process started against its own [`RuntimeApi`], with its
/// stdout and stderr captured. The process is killed when this is dropped.
pub struct Function {
    api: RuntimeApi,
    child: Child,
    output: Arc<watch::Sender<Captured>>,
}

/// What the capture tasks have read so far, and how many of the two pipes
/// they are still reading.
#[derive(Default)]
struct Captured {
    text: String,
    open: usize,
}

impl Function {
    /// Starts the program at `path` (e.g. `env!("CARGO_BIN_EXE_hello")`).
    pub async fn spawn(path: impl AsRef<OsStr>) -> Result<Self, EmulatorError> {
        Self::spawn_command(Command::new(path)).await
    }

    /// Starts a prepared command, adding the Lambda environment to it.
    pub async fn spawn_command(mut command: Command) -> Result<Self, EmulatorError> {
        let api = RuntimeApi::start().await?;
        api.configure(&mut command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let output = Arc::new(watch::channel(Captured::default()).0);
        // Counted open before either task starts, so no reader can see
        // zero open pipes while one is still to be read.
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        output.send_modify(|captured| {
            captured.open = usize::from(stdout.is_some()) + usize::from(stderr.is_some());
        });
        if let Some(stdout) = stdout {
            tokio::spawn(capture(stdout, output.clone()));
        }
        if let Some(stderr) = stderr {
            tokio::spawn(capture(stderr, output.clone()));
        }
        Ok(Self { api, child, output })
    }

    /// The emulator this function talks to.
    pub fn api(&mut self) -> &mut RuntimeApi {
        &mut self.api
    }

    /// Invokes with a JSON event: `Ok(Ok(json))` for a response,
    /// `Ok(Err(document))` for an error the function reported.
    pub async fn invoke(
        &mut self,
        event: &impl Serialize,
    ) -> Result<Result<Value, Diagnostic>, EmulatorError> {
        let payload = serde_json::to_vec(event).map_err(EmulatorError::Event)?;
        Ok(self.invoke_raw(payload).await?.into_result())
    }

    /// Invokes with raw payload bytes (which need not be valid JSON).
    pub async fn invoke_raw(
        &mut self,
        payload: impl Into<Bytes>,
    ) -> Result<Completion, EmulatorError> {
        tokio::select! {
            completion = self.api.invoke_raw(payload) => completion,
            status = self.child.wait() => Err(EmulatorError::Exited(status?)),
        }
    }

    /// Waits for an init failure report.
    pub async fn init_error(&mut self) -> Result<ErrorReport, EmulatorError> {
        self.api.init_error().await
    }

    /// Waits for the process to exit and for its stdout and stderr to be
    /// read to the end, so that [`output`](Self::output) is then complete.
    /// Bounded by the emulator's timeout: a process that does not exit, or
    /// whose pipes stay open (held by a child of its own), is a
    /// [`EmulatorError::Timeout`].
    pub async fn wait(&mut self) -> Result<ExitStatus, EmulatorError> {
        let limit = self.api.timeout;
        let mut captured = self.output.subscribe();
        let finished = async {
            let status = self.child.wait().await?;
            captured
                .wait_for(|captured| captured.open == 0)
                .await
                .expect("the sender lives in `self`");
            Ok(status)
        };
        match tokio::time::timeout(limit, finished).await {
            Ok(outcome) => outcome,
            Err(_) => Err(EmulatorError::Timeout(limit)),
        }
    }

    /// Shuts the emulator down and waits for the bootstrap to exit by
    /// itself (letting it flush, e.g. a profiler's output), as
    /// [`wait`](Self::wait) does: [`output`](Self::output) is then complete.
    pub async fn shut_down(&mut self) -> Result<ExitStatus, EmulatorError> {
        self.api.shut_down();
        self.wait().await
    }

    /// The operating-system process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// What the process wrote to stdout and stderr, as far as it has been
    /// captured, one `\n`-terminated line after another (stdout and stderr
    /// interleaved as read; bytes that are not UTF-8 replaced).
    ///
    /// Capture runs in background tasks, so while the process runs a line
    /// it has already written (even one written before it answered an
    /// invocation) may not be here yet. The guarantee:
    ///
    /// - After [`wait`](Self::wait) or [`shut_down`](Self::shut_down)
    ///   returned `Ok`, the process has exited and both pipes were read to
    ///   the end: the output is complete and no longer changes. Assert that
    ///   something is *absent* only then.
    /// - While it runs, wait for an expected line with
    ///   [`wait_for_output`](Self::wait_for_output), which fails after a
    ///   bound instead of passing on output that has not arrived.
    pub fn output(&self) -> String {
        self.output.borrow().text.clone()
    }

    /// Waits until the captured output satisfies `ready` and returns it
    /// then. Fails with [`EmulatorError::Timeout`] after `limit`, or with
    /// [`EmulatorError::OutputEnded`] as soon as the process has closed
    /// both pipes without satisfying it.
    pub async fn wait_for_output(
        &self,
        mut ready: impl FnMut(&str) -> bool,
        limit: Duration,
    ) -> Result<String, EmulatorError> {
        let mut captured = self.output.subscribe();
        let mut found = false;
        let seen = captured.wait_for(|captured| {
            found = ready(&captured.text);
            found || captured.open == 0
        });
        let outcome = tokio::time::timeout(limit, seen)
            .await
            .map(|seen| seen.map(|captured| captured.text.clone()));
        match outcome {
            Ok(Ok(text)) if found => Ok(text),
            Ok(_) => Err(EmulatorError::OutputEnded),
            Err(_) => Err(EmulatorError::Timeout(limit)),
        }
    }
}

/// Reads one pipe to its end into `output`, line by line (lossily, so a
/// byte that is not UTF-8 never stops the capture and leaves the process
/// blocked on a full pipe), then counts the pipe as closed.
async fn capture(stream: impl AsyncRead + Unpin, output: Arc<watch::Sender<Captured>>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.strip_suffix('\n').unwrap_or(&text);
                output.send_modify(|captured| {
                    captured.text.push_str(text);
                    captured.text.push('\n');
                });
            }
        }
    }
    output.send_modify(|captured| captured.open -= 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[tokio::test]
    async fn wait_returns_with_both_pipes_read_to_the_end() {
        // More than a pipe buffer on each stream, the last lines written
        // just before exiting: all of it is there once `wait` returns.
        let script = "i=0; while [ $i -lt 2000 ]; do \
                      echo \"out $i ..............................\"; \
                      echo \"err $i ..............................\" >&2; \
                      i=$((i+1)); done; echo last-out; echo last-err >&2";
        let mut function = Function::spawn_command(shell(script)).await.unwrap();
        assert!(function.wait().await.unwrap().success());
        let output = function.output();
        assert_eq!(output.lines().count(), 4002, "{output}");
        assert!(output.contains("last-out\n") && output.contains("last-err\n"));
        assert!(output.contains("out 1999 ") && output.contains("err 1999 "));
    }

    #[tokio::test]
    async fn bytes_that_are_not_utf8_do_not_stop_the_capture() {
        let script = r"printf 'before \377 bytes\nafter\n'; printf 'no newline at the end'";
        let mut function = Function::spawn_command(shell(script)).await.unwrap();
        function.wait().await.unwrap();
        assert_eq!(
            function.output(),
            "before \u{fffd} bytes\nafter\nno newline at the end\n"
        );
    }

    #[tokio::test]
    async fn wait_for_output_returns_once_the_line_is_there() {
        let mut function = Function::spawn_command(shell("echo ready >&2; exec sleep 60"))
            .await
            .unwrap();
        let output = function
            .wait_for_output(|s| s.contains("ready\n"), DEFAULT_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(output, "ready\n");
        // Still running: `wait` is bounded too.
        function.api().set_timeout(Duration::from_millis(10));
        assert!(matches!(
            function.wait().await,
            Err(EmulatorError::Timeout(_))
        ));
    }

    #[tokio::test]
    async fn wait_for_output_fails_when_the_output_ends_without_the_line() {
        let function = Function::spawn_command(shell("echo something else"))
            .await
            .unwrap();
        let outcome = function
            .wait_for_output(|s| s.contains("ready"), DEFAULT_TIMEOUT)
            .await;
        assert!(
            matches!(outcome, Err(EmulatorError::OutputEnded)),
            "{outcome:?}"
        );
        assert_eq!(function.output(), "something else\n");
    }

    #[tokio::test]
    async fn wait_for_output_fails_after_its_bound() {
        let function = Function::spawn_command(shell("exec sleep 60"))
            .await
            .unwrap();
        let outcome = function
            .wait_for_output(|s| s.contains("ready"), Duration::from_millis(10))
            .await;
        assert!(
            matches!(outcome, Err(EmulatorError::Timeout(_))),
            "{outcome:?}"
        );
    }
}
