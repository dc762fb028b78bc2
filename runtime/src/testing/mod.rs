//! A Lambda Runtime API emulator for end-to-end tests of real bootstraps
//! (feature `testing`), the one lambda-kit's own tests use.
//!
//! It serves the endpoints a bootstrap talks to (`invocation/next`,
//! `invocation/{id}/response`, `invocation/{id}/error`, `init/error`, and
//! the Extensions API's `extension/register` and `extension/event/next`,
//! which answers `SHUTDOWN` once the emulator shuts down) over
//! HTTP on an ephemeral loopback port, with the request-id, deadline,
//! function-arn and trace-id headers Lambda sends. [`Function`] starts a
//! compiled bootstrap against it and invokes it like Lambda would.
//!
//! ```toml
//! [dev-dependencies]
//! lambda-kit = { git = "https://github.com/lambda-kit/lambda-kit", features = ["testing"] }
//! serde_json = "1"
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! ```no_run
//! use lambda_kit::testing::Function;
//! use serde_json::json;
//!
//! # async fn echoes_key1() {
//! // In a `#[tokio::test]` of the package, spawn `env!("CARGO_BIN_EXE_echo")`.
//! let mut function = Function::spawn("target/debug/echo").await.unwrap();
//! let reply = function.invoke(&json!({"key1": "a", "key2": "b", "key3": "c"})).await.unwrap();
//! assert_eq!(reply, Ok(json!("a")));                       // Err(Diagnostic) for error responses
//! function.shut_down().await.unwrap();                     // the bootstrap exits, its output is read to the end
//! assert!(function.output().contains("Loading function")); // captured stdout + stderr
//! # }
//! ```
//!
//! [`Function::invoke_raw`] sends arbitrary bytes and returns the request id
//! and raw outcome; [`Function::init_error`] waits for an init failure
//! report; [`Function::wait`] waits for the process to exit. [`RuntimeApi`]
//! is the emulator alone, for bootstraps you start yourself
//! ([`RuntimeApi::configure`] sets the Lambda environment on a
//! `tokio::process::Command`).
//!
//! Output is captured in the background, so a line the function logged
//! before it answered may not be in [`output()`](Function::output) yet. It
//! is complete once [`wait`](Function::wait) or
//! [`shut_down`](Function::shut_down) returned (the process exited and both
//! pipes were read to the end): assert there, above all that something is
//! *absent*. While the function runs,
//! `function.wait_for_output(|s| s.contains("..."), timeout)`
//! ([`Function::wait_for_output`]) waits for a line and fails after the
//! timeout instead of passing.
//!
//! HTTP functions (`features = ["testing", "http"]`): [`http`] builds the
//! event each source would send for a request (REST API v1, HTTP API v2,
//! ALB, Function URL, from real events) and reads any of their responses
//! back into one shape, so one test covers all four.
//!
//! Event sources (`features = ["testing", "events"]`): [`events`] builds
//! the SQS, Kinesis and DynamoDB Streams batches, SNS, EventBridge and S3
//! events Lambda sends, a mixed batch in one line
//! (`SqsBatch::new().json(&order).body("not json").event()`), and reads a
//! partial batch response's failed ids back.

#[cfg(feature = "events")]
pub mod events;
mod function;
#[cfg(feature = "http")]
pub mod http;

pub use function::Function;

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::http::header::{HeaderName, HeaderValue};
use ::http::{Method, Request, Response, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, watch};

use crate::Diagnostic;

const PREFIX: &str = "/2018-06-01/runtime";
const EXTENSION_PREFIX: &str = "/2020-01-01/extension";

/// The function's timeout, unless changed with [`RuntimeApi::set_timeout`]:
/// each invocation's deadline is this far after it is queued.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long past its deadline the emulator still waits for an answer.
/// Whether an answer came in time is for the test to judge (from its
/// error type, say); the wait only bounds a function that never answers,
/// so it is generous enough for a loaded machine.
const ALLOWANCE: Duration = DEFAULT_TIMEOUT;

/// The function name the emulator announces to bootstraps.
pub const FUNCTION_NAME: &str = "test-function";

/// Why the emulator could not produce an invocation's outcome.
#[derive(Debug)]
pub enum EmulatorError {
    /// Nothing arrived within this time (for an invocation: its deadline
    /// plus a generous allowance).
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
    /// What completions are matched by: the request id as text.
    key: String,
    serial: u64,
    invocation: Invocation,
    deadline: Duration,
    done: oneshot::Sender<Outcome>,
}

/// One invocation to hand to the bootstrap: by default exactly what
/// Lambda sends (a generated request id, the deadline, function ARN and
/// trace id headers). The setters change that the way an unusual or
/// faulty Runtime API would, to test how a bootstrap copes.
///
/// ```no_run
/// # async fn demo(function: &mut lambda_kit::testing::Function) {
/// use lambda_kit::testing::Invocation;
///
/// let odd = Invocation::new(r#"{"key1":"a"}"#)
///     .request_id("id/with?reserved#characters")
///     .header("lambda-runtime-client-context", "not JSON");
/// let outcome = function.invoke_with(odd).await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Invocation {
    payload: Bytes,
    request_id: RequestId,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Clone, Debug)]
enum RequestId {
    Generated,
    Given(HeaderValue),
    Omitted,
}

impl Invocation {
    /// An invocation with this raw payload (which need not be valid JSON).
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Self {
            payload: payload.into(),
            request_id: RequestId::Generated,
            headers: Vec::new(),
        }
    }

    /// Sends this `Lambda-Runtime-Aws-Request-Id` instead of a generated
    /// one: any bytes a header value may hold (no CR, LF or NUL).
    ///
    /// # Panics
    /// If `id` cannot be a header value.
    pub fn request_id(mut self, id: impl AsRef<[u8]>) -> Self {
        self.request_id = RequestId::Given(header_value(id.as_ref()));
        self
    }

    /// Sends no `Lambda-Runtime-Aws-Request-Id` header at all.
    pub fn without_request_id(mut self) -> Self {
        self.request_id = RequestId::Omitted;
        self
    }

    /// Adds a header, or replaces one the emulator would send (deadline,
    /// ARN, trace id), e.g. `Lambda-Runtime-Client-Context`.
    ///
    /// # Panics
    /// If `name` is not a header name or `value` cannot be a header value.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        let name = HeaderName::try_from(name)
            .unwrap_or_else(|err| panic!("`{name}` is not a header name: {err}"));
        self.headers.push((name, header_value(value.as_ref())));
        self
    }
}

/// A raw payload as an invocation with the emulator's headers, for
/// [`RuntimeApi::invoke_in_background`].
macro_rules! payload_into_invocation {
    ($($payload:ty),*) => {$(
        impl From<$payload> for Invocation {
            fn from(payload: $payload) -> Self {
                Self::new(payload)
            }
        }
    )*};
}
payload_into_invocation!(Bytes, Vec<u8>, String, &'static str, &'static [u8]);

fn header_value(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes)
        .unwrap_or_else(|err| panic!("{bytes:?} cannot be a header value: {err}"))
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    /// The most invocations handed out and not yet answered at one time.
    peak_in_flight: AtomicUsize,
    init_error: watch::Sender<Option<ErrorReport>>,
    /// Names of the registered extensions, in order.
    extensions: Mutex<Vec<String>>,
    /// Set once shut down: extensions' `event/next` then answers SHUTDOWN.
    stopping: watch::Sender<bool>,
    /// How many `invocation/next` polls have arrived.
    polls: watch::Sender<u64>,
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
            peak_in_flight: AtomicUsize::new(0),
            init_error: watch::channel(None).0,
            extensions: Mutex::new(Vec::new()),
            stopping: watch::channel(false).0,
            polls: watch::channel(0).0,
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

    /// Changes the function's timeout: each invocation queued from now on
    /// gets a deadline (`Lambda-Runtime-Deadline-Ms`) this far ahead. The
    /// emulator keeps waiting for the answer (and for polls and an init
    /// error) up to [`DEFAULT_TIMEOUT`] longer, so that on a loaded machine
    /// a function that does answer by its deadline is not reported as
    /// [`EmulatorError::Timeout`]; [`Function::wait`] is bounded by the
    /// timeout itself. Also sent as `AWS_LAMBDA_FUNCTION_TIMEOUT` by
    /// [`configure`](Self::configure).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// How long the emulator waits for anything: the timeout plus the
    /// allowance.
    fn patience(&self) -> Duration {
        self.timeout.saturating_add(ALLOWANCE)
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
        self.invoke(Invocation::new(payload)).await
    }

    /// Queues this invocation and waits for the bootstrap's answer, which
    /// is matched by the request id the bootstrap posts (percent-decoded).
    pub async fn invoke(&self, invocation: Invocation) -> Result<Completion, EmulatorError> {
        let (done, outcome) = oneshot::channel();
        let request_id = self.enqueue(invocation, done);
        let patience = self.patience();
        match tokio::time::timeout(patience, outcome).await {
            Ok(Ok(outcome)) => Ok(Completion {
                request_id,
                outcome,
            }),
            Ok(Err(_)) | Err(_) => Err(EmulatorError::Timeout(patience)),
        }
    }

    /// Queues one invocation now (a raw payload, or an [`Invocation`] with
    /// headers of its own) and returns its answer as a future that borrows
    /// nothing, so a test can act on the function (e.g.
    /// [`Function::signal`] it) while the invocation runs, or queue others.
    /// Bounded like [`invoke_raw`](Self::invoke_raw).
    pub fn invoke_in_background(
        &self,
        invocation: impl Into<Invocation>,
    ) -> impl std::future::Future<Output = Result<Completion, EmulatorError>> + Send + 'static {
        let (done, outcome) = oneshot::channel();
        let request_id = self.enqueue(invocation.into(), done);
        let patience = self.patience();
        async move {
            match tokio::time::timeout(patience, outcome).await {
                Ok(Ok(outcome)) => Ok(Completion {
                    request_id,
                    outcome,
                }),
                Ok(Err(_)) | Err(_) => Err(EmulatorError::Timeout(patience)),
            }
        }
    }

    /// Stops handing out invocations: the bootstrap's next poll is refused,
    /// as when Lambda shuts an instance down, so it exits on its own.
    pub fn shut_down(&mut self) {
        self.sender = None;
        self.shared.stopping.send_replace(true);
    }

    /// Waits until the bootstrap has polled `invocation/next` `count` times
    /// in all: after `n` answered invocations, poll `n + 1` means it is idle,
    /// waiting for the next one. Bounded like [`invoke_raw`](Self::invoke_raw).
    pub async fn wait_for_polls(&self, count: u64) -> Result<(), EmulatorError> {
        let mut polls = self.shared.polls.subscribe();
        let patience = self.patience();
        let reached = tokio::time::timeout(patience, polls.wait_for(|polls| *polls >= count))
            .await
            .is_ok_and(|seen| seen.is_ok());
        if reached {
            Ok(())
        } else {
            Err(EmulatorError::Timeout(patience))
        }
    }

    /// The most invocations the bootstrap held at one time: handed out by
    /// `invocation/next` and not yet answered. Above 1 only when the
    /// bootstrap polled for another invocation while one was running, as
    /// under Lambda Managed Instances (with
    /// [`MAX_CONCURRENCY_ENV`](crate::MAX_CONCURRENCY_ENV) set).
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::Relaxed)
    }

    /// The names of the extensions registered so far, in order.
    pub fn extensions(&self) -> Vec<String> {
        self.shared
            .extensions
            .lock()
            .expect("extension list poisoned")
            .clone()
    }

    fn enqueue(&self, mut invocation: Invocation, done: oneshot::Sender<Outcome>) -> String {
        let serial = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let request_id = match &invocation.request_id {
            // Shaped like Lambda's UUIDs; unique per emulator and process.
            RequestId::Generated => {
                let id = format!("{:08x}-0000-4000-8000-{serial:012x}", std::process::id());
                invocation.request_id = RequestId::Given(header_value(id.as_bytes()));
                id
            }
            RequestId::Given(id) => String::from_utf8_lossy(id.as_bytes()).into_owned(),
            // Nothing can be matched to it; the key only has to be unique.
            RequestId::Omitted => format!("(no request id #{serial})"),
        };
        let pending = Pending {
            key: request_id.clone(),
            serial,
            invocation,
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
        let patience = self.patience();
        let outcome = match tokio::time::timeout(patience, reports.wait_for(Option::is_some)).await
        {
            Ok(Ok(report)) => Ok(report.clone().expect("waited for Some")),
            _ => Err(EmulatorError::Timeout(patience)),
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
    if let Some(rest) = path.strip_prefix(EXTENSION_PREFIX) {
        return Ok(extension(&shared, request, rest).await);
    }
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
            // The bootstrap percent-encodes what is not a path segment.
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
            complete(&shared, &id, outcome)
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

/// The Extensions API: registration, and an `event/next` that answers
/// `SHUTDOWN` once the emulator shuts down (no other events are sent).
async fn extension(shared: &Shared, request: Request<Incoming>, rest: &str) -> Reply {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match (request.method().clone(), rest) {
        (Method::POST, "/register") => {
            let Some(name) = header("lambda-extension-name") else {
                return error_reply(StatusCode::BAD_REQUEST, "Lambda-Extension-Name is missing");
            };
            let mut extensions = shared.extensions.lock().expect("extension list poisoned");
            extensions.push(name);
            let mut response = reply(
                StatusCode::OK,
                serde_json::json!({
                    "functionName": FUNCTION_NAME,
                    "functionVersion": "$LATEST",
                    "handler": "bootstrap",
                })
                .to_string(),
            );
            let id = format!(
                "{:08x}-0000-4000-8000-{:012x}",
                std::process::id(),
                extensions.len()
            );
            response.headers_mut().insert(
                "lambda-extension-identifier",
                id.parse().expect("ids are ASCII"),
            );
            response
        }
        (Method::GET, "/event/next") => {
            if header("lambda-extension-identifier").is_none() {
                return error_reply(
                    StatusCode::FORBIDDEN,
                    "Lambda-Extension-Identifier is missing",
                );
            }
            let mut stopping = shared.stopping.subscribe();
            // The sender lives in `shared`, which outlives this request.
            let _ = stopping.wait_for(|stopping| *stopping).await;
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                + Duration::from_millis(500);
            reply(
                StatusCode::OK,
                serde_json::json!({
                    "eventType": "SHUTDOWN",
                    "shutdownReason": "spindown",
                    "deadlineMs": deadline.as_millis() as u64,
                })
                .to_string(),
            )
        }
        _ => error_reply(StatusCode::NOT_FOUND, "unknown Extensions API endpoint"),
    }
}

/// Long-polls for the next queued invocation, as Lambda's `next` does.
async fn next(shared: &Shared) -> Reply {
    shared.polls.send_modify(|polls| *polls += 1);
    let pending = {
        let mut queue = shared.queue.lock().await;
        match queue.recv().await {
            Some(pending) => pending,
            None => return error_reply(StatusCode::GONE, "the emulator is shutting down"),
        }
    };
    let in_flight = {
        let mut in_flight = shared.in_flight.lock().expect("in-flight map poisoned");
        in_flight.insert(pending.key, pending.done);
        in_flight.len()
    };
    shared
        .peak_in_flight
        .fetch_max(in_flight, Ordering::Relaxed);
    let Invocation {
        payload,
        request_id,
        headers: extra,
    } = pending.invocation;
    let mut response = reply(StatusCode::OK, payload);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, value.parse().expect("header values are ASCII"));
    };
    set("content-type", "application/json".to_owned());
    set(
        "lambda-runtime-deadline-ms",
        pending.deadline.as_millis().to_string(),
    );
    set("lambda-runtime-invoked-function-arn", shared.arn.clone());
    let serial = pending.serial;
    set(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-000000000000{serial:012x};Parent=0000{serial:012x};Sampled=0",
            pending.deadline.as_secs()
        ),
    );
    if let RequestId::Given(id) = request_id {
        headers.insert("lambda-runtime-aws-request-id", id);
    }
    for (name, value) in extra {
        headers.insert(name, value);
    }
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

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    /// One request on its own connection; the whole response as text.
    async fn request(address: SocketAddr, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: runtime\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    fn header<'r>(response: &'r str, name: &str) -> &'r str {
        response
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim())
            })
            .unwrap_or_else(|| panic!("no {name} in {response}"))
    }

    #[tokio::test]
    async fn an_answer_after_the_deadline_is_still_received() {
        let mut api = RuntimeApi::start().await.unwrap();
        api.set_timeout(Duration::from_millis(20));
        let answer = tokio::spawn(api.invoke_in_background("{}"));
        let next = request(
            api.address(),
            "GET",
            &format!("{PREFIX}/invocation/next"),
            "",
        )
        .await;
        let id = header(&next, "lambda-runtime-aws-request-id").to_owned();
        let deadline: u64 = header(&next, "lambda-runtime-deadline-ms").parse().unwrap();
        // Answer only once the deadline it was sent has passed.
        let deadline = UNIX_EPOCH + Duration::from_millis(deadline);
        while SystemTime::now() <= deadline + Duration::from_millis(50) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let path = format!("{PREFIX}/invocation/{id}/response");
        request(api.address(), "POST", &path, "\"late\"").await;
        let completion = answer.await.unwrap().expect("the late answer is received");
        assert_eq!(
            completion.outcome,
            Outcome::Response(Bytes::from("\"late\""))
        );
    }
}
