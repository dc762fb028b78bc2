//! `BOOTSTRAP --serve [ADDR]` outside Lambda: real HTTP on a local port.
//! Each request becomes the payload-v2 event a Function URL would send,
//! runs through the same decoding, handler and response encoding as under
//! Lambda, and the JSON result is turned back into the HTTP response.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use super::extract::media_type;
use super::payload::{V2Request, V2Response};
use super::response::HttpResponse;
use super::HttpEvent;
use crate::bootstrap::init_local;
use crate::init::Init;
use crate::invoke::{invoke_once, Handler};
use crate::local;
use crate::shutdown::{self, InFlight, Shutdown, Signals};

/// Where `--serve` binds when no address is given.
pub(crate) const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";

/// `Ok(Some)` for `--serve [ADDR]`, `Ok(None)` for any other command line
/// (the one-event local mode), `Err` with the exit code for a bad address.
pub(crate) fn address_from_command_line() -> Result<Option<SocketAddr>, ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let address = match args.as_slice() {
        [flag] if flag == "--serve" => DEFAULT_ADDRESS,
        [flag, address] if flag == "--serve" => address.as_str(),
        [flag] if flag.starts_with("--serve=") => &flag["--serve=".len()..],
        _ => return Ok(None),
    };
    match address.parse() {
        Ok(address) => Ok(Some(address)),
        Err(_) => {
            eprintln!("error: `{address}` is not an address to serve on; write e.g. `--serve {DEFAULT_ADDRESS}`");
            Err(ExitCode::from(2))
        }
    }
}

/// No argument and an interactive terminal: there is no event to run.
pub(crate) fn nothing_to_run() -> bool {
    use std::io::IsTerminal;
    std::env::args_os().len() == 1 && std::io::stdin().is_terminal()
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
    let handler = Rc::new(handler);
    // Handlers need not be `Send`: connections run on this thread.
    let tasks = tokio::task::LocalSet::new();
    let mut signals = Signals::listen();
    // Every connection holds a receiver: `closed()` on the sender resolves
    // once the last one has finished.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tasks
        .run_until(async move {
            let accepting = async {
                loop {
                    let (stream, peer) = match listener.accept().await {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            tracing::warn!("accept failed: {err}");
                            continue;
                        }
                    };
                    let handler = Rc::clone(&handler);
                    let mut stopping = stopping.clone();
                    tokio::task::spawn_local(async move {
                        let service = service_fn(move |request| {
                            answer(request, peer, Rc::clone(&handler), state)
                        });
                        let connection =
                            http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                        tokio::pin!(connection);
                        // On shutdown the request being answered finishes;
                        // an idle keep-alive connection closes at once.
                        let served = tokio::select! {
                            served = connection.as_mut() => served,
                            _ = stopping.wait_for(|stop| *stop) => {
                                connection.as_mut().graceful_shutdown();
                                connection.await
                            }
                        };
                        if let Err(err) = served {
                            tracing::debug!("connection from {peer}: {err}");
                        }
                    });
                }
            };
            let signal = tokio::select! {
                () = accepting => unreachable!("the accept loop only ends with the process"),
                signal = signals.recv() => signal,
            };
            // The listener is closed (dropped with `accepting`): no new
            // connections; the open ones finish their requests.
            drop(stopping);
            let open = stop.receiver_count() > 0;
            stop.send_replace(true);
            let grace = shutdown::grace();
            let in_flight = if open {
                let mut nothing = std::future::pending::<()>();
                shutdown::drain(&mut nothing, stop.closed(), grace, &mut signals).await
            } else {
                InFlight::Idle
            };
            shutdown::finish(signal, in_flight, hook, state, has_hook, grace).await;
            ExitCode::SUCCESS
        })
        .await
}

type Reply = hyper::Response<Full<Bytes>>;

async fn answer<S, H>(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    handler: Rc<H>,
    state: &'static S,
) -> Result<Reply, Infallible>
where
    S: 'static,
    H: Handler<HttpEvent, S, Output = HttpResponse>,
{
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(err) => return Ok(plain(400, &format!("cannot read the request body: {err}"))),
    };
    let context = local::local_context();
    let event = function_url_event(&parts, &body, peer, &context.request_id);
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let outcome = invoke_once::<HttpEvent, _, _>(&*handler, &payload, context, state, false).await;
    let reply = match outcome {
        Ok(response) => from_lambda(serde_json::to_value(response).unwrap_or_default()),
        Err(error) => {
            // What API Gateway and Function URLs answer for a failed invocation.
            tracing::error!(error_type = %error.error_type, "{}", error.error_message);
            json_reply(502, &json!({"message": "Internal Server Error"}))
        }
    };
    tracing::info!(
        "{} {} -> {} ({:.1} ms)",
        parts.method,
        parts.uri,
        reply.status().as_u16(),
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(reply)
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
