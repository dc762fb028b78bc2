//! `BOOTSTRAP --serve [ADDR]` outside Lambda: real HTTP on a local port.
//! Each request becomes the payload-v2 event a Function URL would send,
//! runs through the same decoding, handler and response encoding as under
//! Lambda, and the JSON result is turned back into the HTTP response.
//! What a client may send is bounded as the services bound it (see
//! [`limits`]); every request gets an answer, never a dropped connection.

mod accept;
mod limits;
mod stall;

use std::convert::Infallible;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::accept::Backoff;
use self::limits::Limits;
use super::extract::media_type;
use super::payload::{V2Request, V2Response};
use super::response::HttpResponse;
use super::HttpEvent;
use crate::bootstrap::{init_local, local_settings};
use crate::init::Init;
use crate::invoke::{invoke_once, Handler};
use crate::local;
use crate::shutdown::{self, InFlight, Shutdown, Signals};

/// Where `--serve` binds when no address is given.
pub(crate) const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";

/// `Ok(Some)` for `--serve [ADDR]`, `Ok(None)` for any other command line
/// (the one-event local mode), `Err` with the exit code for a bad address.
pub(crate) fn address_from_command_line() -> Result<Option<SocketAddr>, ExitCode> {
    serve_address(std::env::args_os().skip(1)).map_err(|message| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

/// Arguments are `OsString`s: one that is not UTF-8 is an error to
/// report (or, outside `--serve`, for local mode to judge), not a panic.
fn serve_address(args: impl IntoIterator<Item = OsString>) -> Result<Option<SocketAddr>, String> {
    let args: Vec<OsString> = args.into_iter().collect();
    let address = match args.as_slice() {
        [flag] if flag == "--serve" => OsString::from(DEFAULT_ADDRESS),
        [flag, address] if flag == "--serve" => address.clone(),
        [flag] => match local::flag_value(flag, "--serve=") {
            Some(address) => address,
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let Some(text) = address.to_str() else {
        return Err(format!(
            "the address {address:?} is not valid UTF-8; write e.g. `--serve {DEFAULT_ADDRESS}`"
        ));
    };
    text.parse().map(Some).map_err(|_| {
        format!("`{text}` is not an address to serve on; write e.g. `--serve {DEFAULT_ADDRESS}`")
    })
}

/// Local mode of an HTTP bootstrap: `--serve`, or one request event. With
/// no event it says so rather than running on `{}`, which is no request.
pub(crate) const LOCAL_MODE: local::Mode = local::Mode {
    usage: "\
usage: BOOTSTRAP --serve [ADDR]
       BOOTSTRAP [EVENT_JSON | --event FILE | -]

--serve serves real HTTP on ADDR (default 127.0.0.1:3000), each request
turned into the event a Function URL would send.
Otherwise the handler runs once on a request event (API Gateway REST or HTTP
API, ALB or Function URL, as JSON) given as the argument, in a file, or on
standard input, and prints the response event on stdout (errors as
{\"errorType\", \"errorMessage\"} on stderr, exit status 1).
Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it serves invocations instead.",
    without_event: Some(
        "no request event: this is an HTTP handler; serve it locally with \
         `--serve 127.0.0.1:3000`, or pass an API Gateway, ALB or Function URL event \
         (JSON) as the argument, with `--event FILE`, or on standard input",
    ),
};

/// What every connection shares.
struct Server<H, S: 'static> {
    handler: H,
    state: &'static S,
    limits: Limits,
    /// The function's timeout: each request's deadline.
    timeout: Duration,
}

pub(crate) async fn run<S, I, K, H>(
    address: SocketAddr,
    init: I,
    hook: K,
    has_hook: bool,
    handler: H,
) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    H: Handler<HttpEvent, S, Output = HttpResponse> + 'static,
{
    let limits = match Limits::from_env() {
        Ok(limits) => limits,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let timeout = match local_settings() {
        Ok(timeout) => timeout,
        Err(code) => return code,
    };
    let state = match init_local(init).await {
        Ok(state) => state,
        Err(code) => return code,
    };
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {address}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let bound = listener.local_addr().unwrap_or(address);
    // Tests and scripts read this line to learn the port (`--serve 127.0.0.1:0`).
    eprintln!("serving http://{bound} (each request is sent as a Function URL event)");
    let server = Rc::new(Server {
        handler,
        state,
        limits,
        timeout,
    });
    // One permit per open connection. Over the cap the loop waits before
    // `accept`, so further clients queue in the kernel's listen backlog
    // (costing this process nothing) and are served as connections close.
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut backoff = Backoff::default();
    let mut signals = Signals::listen();
    // Every connection holds a receiver: `closed()` on the sender resolves
    // once the last one has finished.
    let (stop, stopping) = tokio::sync::watch::channel(Phase::Serving);
    // Handlers need not be `Send`: connections run on this thread.
    let tasks = tokio::task::LocalSet::new();
    let stopped = tasks
        .run_until(async move {
            let accepting = async {
                loop {
                    let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                        // Never closed: nothing else holds the semaphore.
                        return ExitCode::FAILURE;
                    };
                    let (stream, peer) = accept::accept(&listener, &mut backoff).await;
                    let server = Rc::clone(&server);
                    tokio::task::spawn_local(connection(
                        stream,
                        peer,
                        server,
                        slot,
                        stopping.clone(),
                    ));
                }
            };
            let signal = tokio::select! {
                code = accepting => return Err(code),
                signal = signals.recv() => signal,
            };
            // The listener is closed (dropped with `accepting`): no new
            // connections; the open ones finish their requests.
            drop(stopping);
            let open = stop.receiver_count() > 0;
            stop.send_replace(Phase::Stopping);
            let in_flight = if open {
                let mut nothing = std::future::pending::<()>();
                let grace = shutdown::grace();
                let in_flight =
                    shutdown::drain(&mut nothing, stop.closed(), grace, &mut signals).await;
                if in_flight == InFlight::CutShort {
                    // Each request still running is answered 503; its
                    // connection gets a bounded moment to write that.
                    stop.send_replace(Phase::CutShort);
                    let _ = tokio::time::timeout(shutdown::ANSWER_LIMIT, stop.closed()).await;
                }
                in_flight
            } else {
                InFlight::Idle
            };
            Ok((signal, in_flight))
        })
        .await;
    let (signal, in_flight) = match stopped {
        Ok(stopped) => stopped,
        Err(code) => return code,
    };
    // Dropping the connections left (clients not reading their 503) ends
    // them before the hook runs and the pool closes.
    drop(tasks);
    let grace = shutdown::grace();
    shutdown::finish(signal, in_flight, hook, state, has_hook, grace).await;
    ExitCode::SUCCESS
}

/// Where shutdown is, as every connection and request sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Serving,
    /// SIGTERM/SIGINT: requests running finish, connections then close.
    Stopping,
    /// The grace period is over: requests still running are answered 503.
    CutShort,
}

/// Serves one connection; its slot is freed when it closes.
async fn connection<S, H>(
    stream: TcpStream,
    peer: SocketAddr,
    server: Rc<Server<H, S>>,
    _slot: OwnedSemaphorePermit,
    mut stopping: tokio::sync::watch::Receiver<Phase>,
) where
    S: 'static,
    H: Handler<HttpEvent, S, Output = HttpResponse> + 'static,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Hyper starts this clock whenever it waits for a request head, so
        // it also closes kept-alive connections that stay silent.
        .header_read_timeout(server.limits.header_timeout)
        // A client that shuts down its sending side after the request
        // still gets the answer.
        .half_close(true);
    let idle_timeout = server.limits.idle_timeout;
    let phase = stopping.clone();
    let service =
        service_fn(move |request| answer(request, peer, Rc::clone(&server), phase.clone()));
    let io = stall::StallGuard::new(TokioIo::new(stream), peer, idle_timeout);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    // On shutdown the request being answered finishes; an idle kept-alive
    // connection closes at once.
    let served = tokio::select! {
        served = connection.as_mut() => served,
        // The guard `wait_for` returns is dropped at once: it holds the
        // channel's lock, which shutdown takes again to cut requests short.
        _ = stopping.wait_for(|phase| *phase != Phase::Serving).map(drop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = served {
        tracing::debug!("connection from {peer}: {err}");
    }
}

type Reply = hyper::Response<Full<Bytes>>;

async fn answer<S, H>(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    server: Rc<Server<H, S>>,
    mut phase: tokio::sync::watch::Receiver<Phase>,
) -> Result<Reply, Infallible>
where
    S: 'static,
    H: Handler<HttpEvent, S, Output = HttpResponse>,
{
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    // Whatever goes wrong on the way (a panic included) is answered: a
    // dropped connection would tell the client nothing.
    let invoked = AssertUnwindSafe(invoke(request, peer, &server)).catch_unwind();
    let reply = tokio::select! {
        reply = invoked => reply.unwrap_or_else(|_| {
            // The panic hook has logged it.
            json_reply(500, &json!({"message": "Internal Server Error"}))
        }),
        // Shutdown's grace period ran out: the handler is dropped.
        Ok(()) = phase.wait_for(|phase| *phase == Phase::CutShort).map(|seen| seen.map(drop)) => json_reply(
            503,
            &serde_json::to_value(shutdown::cut_short_error()).unwrap_or_default(),
        ),
    };
    tracing::info!(
        "{method} {uri} -> {} ({:.1} ms)",
        reply.status().as_u16(),
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(reply)
}

/// The request through the handler as a Function URL invocation.
async fn invoke<S, H>(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    server: &Server<H, S>,
) -> Reply
where
    S: 'static,
    H: Handler<HttpEvent, S, Output = HttpResponse>,
{
    let (parts, body) = request.into_parts();
    if let Err(message) = check_uri(&parts) {
        return plain(400, &message);
    }
    let body = match read_body(body, &server.limits).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let context = local::local_context(server.timeout);
    let event = function_url_event(&parts, &body, peer, &context.request_id);
    let payload = match serde_json::to_vec(&event) {
        Ok(payload) => payload,
        Err(err) => {
            tracing::error!("the event cannot be serialized: {err}");
            return json_reply(500, &json!({"message": "Internal Server Error"}));
        }
    };
    let outcome =
        invoke_once::<HttpEvent, _, _>(&server.handler, &payload, context, server.state, false)
            .await;
    match outcome {
        Ok(response) => match serde_json::to_value(response) {
            Ok(response) => from_lambda(response),
            Err(err) => {
                tracing::error!("the handler's response cannot be serialized: {err}");
                json_reply(500, &json!({"message": "Internal Server Error"}))
            }
        },
        Err(error) => {
            // What API Gateway and Function URLs answer for a failed invocation.
            tracing::error!(error_type = %error.error_type, "{}", error.error_message);
            json_reply(502, &json!({"message": "Internal Server Error"}))
        }
    }
}

/// The request's URL as the event's conversion into a request rebuilds it
/// (`X-Forwarded-Proto`, `Host`, path and query): one that does not parse
/// is the client's fault, a 400 naming the header to blame.
fn check_uri(parts: &hyper::http::request::Parts) -> Result<(), String> {
    // Values that are not text never reach the event.
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("host");
    let scheme = header("x-forwarded-proto");
    if let Some(host) = host {
        if host.parse::<hyper::http::uri::Authority>().is_err() {
            return Err(format!("the Host header {host:?} is not a host name"));
        }
    }
    if let Some(scheme) = scheme {
        if scheme.parse::<hyper::http::uri::Scheme>().is_err() {
            return Err(format!(
                "the X-Forwarded-Proto header {scheme:?} is not a URL scheme"
            ));
        }
    }
    let url = format!(
        "{}://{}{}",
        scheme.unwrap_or("https"),
        host.unwrap_or("localhost"),
        parts.uri.path()
    );
    let mut rebuilt = url::Url::parse(&url)
        .map_err(|err| format!("the request's URL {url:?} is not valid: {err}"))?
        .to_string();
    if let Some(query) = parts.uri.query().filter(|q| !q.is_empty()) {
        rebuilt.push('?');
        rebuilt.push_str(query);
    }
    match rebuilt.parse::<hyper::Uri>() {
        Ok(_) => Ok(()),
        Err(err) => Err(format!("the request's URL {rebuilt:?} is not valid: {err}")),
    }
}

/// The whole body, refused with 413 past `max_body` (a declared length
/// before anything is read, a streamed one as soon as it crosses the
/// limit) and with 408 when it stalls for `idle_timeout`.
async fn read_body(body: Incoming, limits: &Limits) -> Result<Bytes, Reply> {
    let too_large = || {
        closing(plain(
            413,
            &format!(
                "the request body is larger than {} bytes (the limit is set by {})",
                limits.max_body,
                limits::MAX_BODY
            ),
        ))
    };
    let declared = body.size_hint().lower();
    if declared > limits.max_body as u64 {
        return Err(too_large());
    }
    let mut body = Limited::new(body, limits.max_body);
    let mut bytes = Vec::with_capacity(initial_capacity(declared));
    loop {
        let frame = match tokio::time::timeout(limits.idle_timeout, body.frame()).await {
            Ok(None) => break,
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(err))) if err.is::<LengthLimitError>() => return Err(too_large()),
            Ok(Some(Err(err))) => {
                return Err(closing(plain(
                    400,
                    &format!("cannot read the request body: {err}"),
                )))
            }
            Err(_) => {
                return Err(closing(plain(
                    408,
                    &format!(
                        "the request body stalled for {:?} (the limit is set by {})",
                        limits.idle_timeout,
                        limits::IDLE_TIMEOUT
                    ),
                )))
            }
        };
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(bytes))
}

/// The most a body reserves before any of it arrives: a declared length
/// is only a claim, and reserving it in full would let idle clients hold
/// `max_connections × max_body` of memory; past this the buffer grows as
/// bytes come.
const INITIAL_BODY_CAPACITY: usize = 64 * 1024;

fn initial_capacity(declared: u64) -> usize {
    usize::try_from(declared).map_or(INITIAL_BODY_CAPACITY, |n| n.min(INITIAL_BODY_CAPACITY))
}

/// The connection closes after this reply: the rest of the request is
/// never read.
fn closing(mut reply: Reply) -> Reply {
    reply.headers_mut().insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    reply
}

/// The event a Lambda Function URL sends for this request (payload v2).
fn function_url_event(
    parts: &hyper::http::request::Parts,
    body: &Bytes,
    peer: SocketAddr,
    request_id: &str,
) -> Value {
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let Ok(value) = value.to_str() else { continue };
        if name == hyper::header::COOKIE {
            cookies.extend(value.split(';').map(str::trim));
        } else {
            headers.push((name.as_str(), value));
        }
    }
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, v)| *v)
    };
    let textual = header("content-type").is_some_and(is_text);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": header("host").unwrap_or("localhost"),
            "domainPrefix": "local",
            "http": {
                "protocol": format!("{:?}", parts.version),
                "sourceIp": peer.ip().to_string(),
                "userAgent": header("user-agent").unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": now.as_millis() as u64,
        },
    });
    V2Request {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        base64: !body.is_empty() && (!textual || std::str::from_utf8(body).is_err()),
        headers,
        cookies,
        body: (!body.is_empty()).then_some(&body[..]),
    }
    .fill(&mut event);
    event
}

/// Bodies Function URLs pass as text; everything else is base64.
fn is_text(content_type: &str) -> bool {
    let essence = media_type(content_type);
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
        )
}

/// The handler's payload-v2 response as an HTTP response.
fn from_lambda(response: Value) -> Reply {
    let response = match V2Response::read(&response) {
        Ok(response) => response,
        Err(problem) => {
            tracing::error!("the handler's response is not a payload-v2 response: {problem}");
            return plain(502, "the handler's response is not a payload-v2 response");
        }
    };
    let mut reply = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        reply = reply.header(name, value);
    }
    for cookie in &response.cookies {
        reply = reply.header(hyper::header::SET_COOKIE, cookie);
    }
    reply
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|err| {
            plain(
                500,
                &format!("the handler's response is not valid HTTP: {err}"),
            )
        })
}

fn json_reply(status: u16, body: &Value) -> Reply {
    let mut reply = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *reply.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    reply.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    reply
}

fn plain(status: u16, message: &str) -> Reply {
    json_reply(status, &json!({"message": message}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_body_length_reserves_at_most_64_kib() {
        assert_eq!(initial_capacity(0), 0);
        assert_eq!(initial_capacity(1_000), 1_000);
        assert_eq!(initial_capacity(6 * 1024 * 1024), 64 * 1024);
        assert_eq!(initial_capacity(u64::MAX), 64 * 1024);
    }

    fn address(args: &[&str]) -> Result<Option<SocketAddr>, String> {
        serve_address(args.iter().map(OsString::from))
    }

    #[test]
    fn the_local_mode_names_the_default_address() {
        let without_event = LOCAL_MODE.without_event.unwrap();
        for text in [LOCAL_MODE.usage, without_event] {
            assert!(text.contains(DEFAULT_ADDRESS), "{text}");
        }
    }

    #[test]
    fn serve_command_lines() {
        let default: SocketAddr = DEFAULT_ADDRESS.parse().unwrap();
        assert_eq!(address(&["--serve"]), Ok(Some(default)));
        assert_eq!(
            address(&["--serve", "0.0.0.0:8080"]),
            Ok(Some("0.0.0.0:8080".parse().unwrap()))
        );
        assert_eq!(
            address(&["--serve=127.0.0.1:0"]),
            Ok(Some("127.0.0.1:0".parse().unwrap()))
        );
        assert_eq!(address(&["{}"]), Ok(None));
        assert_eq!(address(&[]), Ok(None));
        assert!(address(&["--serve", "nowhere"])
            .unwrap_err()
            .contains("`nowhere` is not an address"));
    }

    #[cfg(unix)]
    #[test]
    fn serve_addresses_that_are_not_utf8_are_errors() {
        use std::os::unix::ffi::OsStrExt;
        let raw = |bytes: &[u8]| std::ffi::OsStr::from_bytes(bytes).to_owned();
        for args in [
            vec![raw(b"--serve"), raw(b"\xff")],
            vec![raw(b"--serve=\xff")],
        ] {
            let err = serve_address(args).unwrap_err();
            assert!(err.contains("not valid UTF-8"), "{err}");
        }
        // Anything else is local mode's to judge.
        assert_eq!(serve_address([raw(b"\xff")]), Ok(None));
    }

    fn parts(request: hyper::Request<()>) -> hyper::http::request::Parts {
        request.into_parts().0
    }

    #[test]
    fn urls_the_event_cannot_rebuild_are_refused() {
        let ok = parts(
            hyper::Request::get("/a/b?x=1")
                .header("host", "example.com:8080")
                .header("x-forwarded-proto", "http")
                .body(())
                .unwrap(),
        );
        assert_eq!(check_uri(&ok), Ok(()));
        let bad_host = parts(
            hyper::Request::get("/")
                .header("host", "a b")
                .body(())
                .unwrap(),
        );
        assert!(check_uri(&bad_host).unwrap_err().contains("Host header"));
        let bad_proto = parts(
            hyper::Request::get("/")
                .header("x-forwarded-proto", "ht tp")
                .body(())
                .unwrap(),
        );
        assert!(check_uri(&bad_proto)
            .unwrap_err()
            .contains("X-Forwarded-Proto header"));
        let bad_scheme = parts(
            hyper::Request::get("/")
                .header("x-forwarded-proto", "1http")
                .body(())
                .unwrap(),
        );
        assert!(check_uri(&bad_scheme).is_err());
    }

    proptest::proptest! {
        /// Whatever `Host` and `X-Forwarded-Proto` a client sends, a request
        /// `check_uri` lets through decodes into the handler's request
        /// without a panic.
        #[test]
        fn requests_let_through_decode(
            host in "[ -~]{0,24}",
            proto in proptest::option::of("[ -~]{0,12}"),
            path in "/[!-~]{0,16}",
        ) {
            let Ok(uri) = path.parse::<hyper::Uri>() else { return Ok(()) };
            let mut request = hyper::Request::get(uri).header("host", host.as_str());
            if let Some(proto) = &proto {
                request = request.header("x-forwarded-proto", proto.as_str());
            }
            let Ok(request) = request.body(()) else { return Ok(()) };
            let parts = parts(request);
            if check_uri(&parts).is_ok() {
                let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
                let event = function_url_event(&parts, &Bytes::new(), peer, "id");
                let payload = serde_json::to_vec(&event).unwrap();
                let decoded = std::panic::catch_unwind(|| {
                    crate::decode::decode::<HttpEvent>(&payload).map(|_| ())
                });
                proptest::prop_assert!(decoded.is_ok(), "{host:?} {proto:?} {path:?}");
            }
        }
    }
}
