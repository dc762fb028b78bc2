//! `BOOTSTRAP --serve [ADDR]` outside Lambda: real HTTP on a local port.
//! Each request becomes the payload-v2 event a Function URL would send,
//! runs through the same decoding, handler and response encoding as under
//! Lambda, and the JSON result is turned back into the HTTP response.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;
use tracing::Instrument;

use super::response::HttpResponse;
use super::HttpEvent;
use crate::bootstrap::init_local;
use crate::decode::decode;
use crate::init::Init;
use crate::invoke::{guard, Handler};
use crate::local;

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

pub(crate) async fn run<S, I, H>(address: SocketAddr, init: I, handler: H) -> ExitCode
where
    S: 'static,
    I: Init<S>,
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
    tasks
        .run_until(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::warn!("accept failed: {err}");
                        continue;
                    }
                };
                let handler = Rc::clone(&handler);
                tokio::task::spawn_local(async move {
                    let service = service_fn(move |request| {
                        answer(request, peer, Rc::clone(&handler), state)
                    });
                    if let Err(err) = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                    {
                        tracing::debug!("connection from {peer}: {err}");
                    }
                });
            }
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
    let span =
        tracing::info_span!("invocation", requestId = %context.request_id, coldStart = false);
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let outcome = match decode::<HttpEvent>(&payload) {
        Ok(event) => {
            guard(handler.call(event, context, state))
                .instrument(span)
                .await
        }
        Err(error) => Err(error),
    };
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
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let Ok(value) = value.to_str() else { continue };
        if name == hyper::header::COOKIE {
            cookies.extend(value.split(';').map(|c| Value::from(c.trim())));
            continue;
        }
        // Repeated headers arrive joined by commas.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::from(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query = Map::new();
    for (name, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        match query.get_mut(name.as_ref()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                query.insert(name.into_owned(), Value::from(value.into_owned()));
            }
        }
    }
    let textual = headers
        .get("content-type")
        .and_then(Value::as_str)
        .is_some_and(is_text);
    let (body, base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) if textual => (Value::from(text), false),
        _ => (Value::from(BASE64.encode(body)), true),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let user_agent = headers
        .get("user-agent")
        .cloned()
        .unwrap_or(Value::from(""));
    let domain = headers
        .get("host")
        .cloned()
        .unwrap_or(Value::from("localhost"));
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "cookies": if cookies.is_empty() { Value::Null } else { Value::from(cookies) },
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::from(query) },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": format!("{:?}", parts.version),
                "sourceIp": peer.ip().to_string(),
                "userAgent": user_agent,
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": now.as_millis() as u64,
        },
        "body": body,
        "isBase64Encoded": base64,
    })
}

/// Bodies Function URLs pass as text; everything else is base64.
fn is_text(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
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
    let status = response["statusCode"].as_u64().unwrap_or(200) as u16;
    let body = match response["body"].as_str() {
        None => Vec::new(),
        Some(text) if response["isBase64Encoded"].as_bool() == Some(true) => {
            BASE64.decode(text).unwrap_or_default()
        }
        Some(text) => text.as_bytes().to_vec(),
    };
    let mut reply = hyper::Response::builder().status(status);
    if let Some(headers) = response["headers"].as_object() {
        for (name, value) in headers {
            if let Some(value) = value.as_str() {
                reply = reply.header(name, value);
            }
        }
    }
    if let Some(cookies) = response["cookies"].as_array() {
        for cookie in cookies.iter().filter_map(Value::as_str) {
            reply = reply.header(hyper::header::SET_COOKIE, cookie);
        }
    }
    reply
        .body(Full::new(Bytes::from(body)))
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
