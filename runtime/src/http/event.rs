//! HTTP events into requests. Every event shaped like one of the four
//! sources' becomes either a request or a [`BadRequest`] answered 400 in
//! that source's response shape: a client can send anything (a query string
//! with `"`, a `Host` header outside the URI grammar, a body that claims to
//! be base64 and is not, a 100 kB path), and none of it may end the process.
//!
//! `lambda_http` turns events into requests with `unwrap`s and `expect`s on
//! the URI, the base64 body and more, so each of those inputs is checked
//! here first, with a reason a client can act on; the conversion itself
//! then runs under `catch_unwind` as the backstop for anything not foreseen.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use ::http::uri::{Authority, Scheme};
use ::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use lambda_http::aws_lambda_events::alb::AlbTargetGroupRequest;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_http::Body;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, Error as _};
use serde_json::value::RawValue;
use serde_json::Value;
use url::Url;

use super::response::{error_response, Location, Rejection};
use super::{IntoResponse, Request, Response};
use crate::invoke::panic_diagnostic;

/// Why an event that is not one of the HTTP sources' does not decode.
pub(crate) const NOT_HTTP: &str = "the event is not an HTTP request from API Gateway \
    (REST or HTTP API), an Application Load Balancer or a Function URL";

/// `http::Uri`'s limit on the length of a URI.
const MAX_URI_LEN: usize = u16::MAX as usize - 1;

/// How much of a client's value a reason quotes.
const QUOTED_CHARS: usize = 64;

/// The longest reason, in characters.
const MAX_REASON_CHARS: usize = 400;

/// An event from one of the HTTP sources: where it came from (which decides
/// the response's JSON shape) and the event, or why it cannot be a request.
pub(crate) struct HttpEvent {
    origin: RequestOrigin,
    event: Result<LambdaRequest, BadRequest>,
}

/// An event that cannot become a request: the client's fault, answered
/// 400 with the usual JSON error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BadRequest {
    location: Option<Location>,
    field: Option<String>,
    /// One sentence, quoting at most [`QUOTED_CHARS`] of any value.
    pub(crate) message: String,
}

impl BadRequest {
    /// Some reasons carry a parser's message, which may hold the whole
    /// value: the message is cut at [`MAX_REASON_CHARS`] and its control
    /// characters escaped, so that a log line stays one short line.
    fn new(location: Option<Location>, field: Option<&str>, message: impl AsRef<str>) -> Self {
        Self {
            location,
            field: field.map(|field| cut(field, QUOTED_CHARS)),
            message: cut(message.as_ref(), MAX_REASON_CHARS),
        }
    }

    /// The 400 response, in the body shape of every other rejection.
    pub(crate) fn response(&self) -> Response {
        match self.location {
            Some(location) => Rejection {
                status: StatusCode::BAD_REQUEST,
                location,
                field: self.field.clone(),
                message: self.message.clone(),
            }
            .into_response(),
            None => error_response(StatusCode::BAD_REQUEST, &self.message),
        }
    }
}

impl HttpEvent {
    /// The request, or why the event cannot be one. Never panics.
    pub(crate) fn into_request(self) -> (RequestOrigin, Result<Request, BadRequest>) {
        if let Some(id) = self.event.as_ref().ok().and_then(correlation_id) {
            // On the invocation's span, so every line of the request has it.
            // Displayed, as the SQS record's is (not quoted as a `&str`).
            tracing::Span::current()
                .record(crate::logging::CORRELATION_ID, tracing::field::display(id));
        }
        (self.origin, self.event.and_then(to_request))
    }
}

impl<'de> Deserialize<'de> for HttpEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Kept as text so that an event of the wrong source can be read
        // again as the next one, in `lambda_http`'s order, and a failure
        // explained.
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        // A panic in a `Deserialize` impl of `aws_lambda_events` is this
        // event's problem, not the process's (and is not explained by
        // reading the event again).
        let (problem, panicked) = match catch_unwind(|| read_event(text)) {
            Ok(Ok(event)) => {
                return Ok(HttpEvent {
                    origin: event.request_origin(),
                    event: Ok(event),
                })
            }
            Ok(Err(problem)) => (problem, false),
            Err(payload) => (panic_diagnostic(&*payload).error_message, true),
        };
        let Some(origin) = source_of(text) else {
            return Err(D::Error::custom(NOT_HTTP));
        };
        let explained = if panicked {
            None
        } else {
            explain(&origin, text)
        };
        let bad = explained.unwrap_or_else(|| {
            BadRequest::new(None, None, format!("the event cannot be read: {problem}"))
        });
        Ok(HttpEvent {
            origin,
            event: Err(bad),
        })
    }
}

/// The event as `lambda_http` reads it: each source's type in turn.
fn read_event(text: &str) -> Result<LambdaRequest, String> {
    if let Ok(event) = serde_json::from_str::<ApiGatewayProxyRequest>(text) {
        return Ok(LambdaRequest::ApiGatewayV1(event));
    }
    if let Ok(event) = serde_json::from_str::<ApiGatewayV2httpRequest>(text) {
        return Ok(LambdaRequest::ApiGatewayV2(event));
    }
    serde_json::from_str::<AlbTargetGroupRequest>(text)
        .map(LambdaRequest::Alb)
        .map_err(|err| err.to_string())
}

/// Which source an event that does not read looks like it comes from, by
/// the fields only that source sends; `None` when it is not HTTP at all.
fn source_of(text: &str) -> Option<RequestOrigin> {
    let event: Value = serde_json::from_str(text).ok()?;
    let context = event.get("requestContext")?.as_object()?;
    if context.contains_key("elb") {
        Some(RequestOrigin::Alb)
    } else if context.contains_key("http") || event.get("version") == Some(&Value::from("2.0")) {
        Some(RequestOrigin::ApiGatewayV2)
    } else if event.get("httpMethod").is_some() {
        Some(RequestOrigin::ApiGatewayV1)
    } else {
        None
    }
}

/// Why an event of `origin`'s shape does not read as that source's event.
fn explain(origin: &RequestOrigin, text: &str) -> Option<BadRequest> {
    let event: Value = serde_json::from_str(text).ok()?;
    let method = match origin {
        RequestOrigin::ApiGatewayV2 => event.pointer("/requestContext/http/method"),
        _ => event.get("httpMethod"),
    };
    if let Some(method) = method.and_then(Value::as_str) {
        if Method::from_bytes(method.as_bytes()).is_err() {
            return Some(BadRequest::new(
                None,
                None,
                format!("{} is not an HTTP method", quote(method)),
            ));
        }
    }
    for headers in ["headers", "multiValueHeaders"] {
        if let Some(bad) = event
            .get(headers)
            .and_then(Value::as_object)
            .and_then(bad_header)
        {
            return Some(bad);
        }
    }
    let tracked = match origin {
        RequestOrigin::ApiGatewayV2 => tracked_error::<ApiGatewayV2httpRequest>(text),
        RequestOrigin::Alb => tracked_error::<AlbTargetGroupRequest>(text),
        _ => tracked_error::<ApiGatewayProxyRequest>(text),
    }?;
    Some(BadRequest::new(
        None,
        None,
        format!("the event cannot be read: {tracked}"),
    ))
}

/// The first header whose name or value `http` does not accept.
fn bad_header(headers: &serde_json::Map<String, Value>) -> Option<BadRequest> {
    for (name, values) in headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Some(BadRequest::new(
                Some(Location::Header),
                Some(name),
                format!("{} is not a valid header name", quote(name)),
            ));
        }
        let values: Vec<&str> = match values {
            Value::String(value) => vec![value],
            Value::Array(values) => values.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if values.iter().any(|v| HeaderValue::from_str(v).is_err()) {
            return Some(BadRequest::new(
                Some(Location::Header),
                Some(name),
                format!(
                    "header {}: the value has characters a header cannot carry (control characters)",
                    quote(name)
                ),
            ));
        }
    }
    None
}

/// The error and where in the event it is, e.g. `requestContext.http: ...`.
fn tracked_error<T: DeserializeOwned>(text: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let err = serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()?;
    let path = err.path().to_string();
    Some(if path == "." {
        err.inner().to_string()
    } else {
        format!("{path}: {}", err.inner())
    })
}

/// `value` in backticks, cut short and with control characters escaped.
fn quote(value: &str) -> String {
    format!("`{}`", cut(value, QUOTED_CHARS))
}

/// At most `chars` characters of `value`, then `...`; control characters
/// escaped.
fn cut(value: &str, chars: usize) -> String {
    let mut cut = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == chars {
            cut.push_str("...");
            break;
        }
        push_escaped(&mut cut, c);
    }
    cut
}

fn push_escaped(text: &mut String, c: char) {
    if c.is_control() {
        let _ = write!(text, "{}", c.escape_default());
    } else {
        text.push(c);
    }
}

/// The id the source gives the request: API Gateway's
/// `requestContext.requestId` (REST and HTTP APIs, Function URLs), an ALB's
/// `X-Amzn-Trace-Id` header.
fn correlation_id(event: &LambdaRequest) -> Option<&str> {
    match event {
        LambdaRequest::ApiGatewayV1(ag) => ag.request_context.request_id.as_deref(),
        LambdaRequest::ApiGatewayV2(ag) => ag.request_context.request_id.as_deref(),
        // A target group with multi-value headers on sends only those.
        LambdaRequest::Alb(alb) => alb
            .headers
            .get("x-amzn-trace-id")
            .or_else(|| alb.multi_value_headers.get("x-amzn-trace-id"))
            .and_then(|value| value.to_str().ok()),
        _ => None,
    }
    .filter(|id| !id.is_empty())
}

fn to_request(mut event: LambdaRequest) -> Result<Request, BadRequest> {
    let binary = take_base64_body(&mut event)?;
    check_uri(&event)?;
    let mut request =
        catch_unwind(AssertUnwindSafe(|| Request::from(event))).map_err(|payload| {
            let message = panic_diagnostic(&*payload).error_message;
            BadRequest::new(
                None,
                None,
                format!("the event cannot be turned into an HTTP request: {message}"),
            )
        })?;
    if let Some(bytes) = binary {
        *request.body_mut() = Body::Binary(bytes);
    }
    Ok(request)
}

/// Decodes a base64 body once, here, rather than letting the conversion
/// `expect` it to decode; the event is left with no body to convert.
fn take_base64_body(event: &mut LambdaRequest) -> Result<Option<Vec<u8>>, BadRequest> {
    let (encoded, body) = match event {
        LambdaRequest::ApiGatewayV1(ag) => (&mut ag.is_base64_encoded, &mut ag.body),
        LambdaRequest::ApiGatewayV2(ag) => (&mut ag.is_base64_encoded, &mut ag.body),
        LambdaRequest::Alb(alb) => (&mut alb.is_base64_encoded, &mut alb.body),
        _ => return Ok(None),
    };
    if !*encoded {
        return Ok(None);
    }
    let Some(text) = body.take() else {
        return Ok(None);
    };
    *encoded = false;
    BASE64.decode(text.as_bytes()).map(Some).map_err(|err| {
        BadRequest::new(
            Some(Location::Body),
            None,
            format!("isBase64Encoded is true but the body is not valid base64: {err}"),
        )
    })
}

/// What the conversion builds the URI from.
struct UriParts<'a> {
    headers: &'a HeaderMap,
    /// The `Host` header, else API Gateway's `requestContext.domainName`.
    host: Option<(&'a str, HostFrom)>,
    /// As the source sent it.
    raw_path: &'a str,
    /// With API Gateway's stage, as the conversion prefixes it.
    path: Cow<'a, str>,
    query: QueryFrom<'a>,
}

/// Where the URI's query string comes from.
enum QueryFrom<'a> {
    /// Payload v2: as the client sent it.
    Raw(&'a str),
    /// REST APIs: decoded parameters the conversion encodes.
    Params(&'a QueryMap),
    /// ALB: parameters as received (multi-value, single-value), which the
    /// conversion decodes, then encodes.
    Alb(&'a QueryMap, &'a QueryMap),
}

impl QueryFrom<'_> {
    /// The query string the conversion puts in the URI, without the `?`.
    fn encoded(&self) -> Cow<'_, str> {
        match self {
            QueryFrom::Raw(raw) => Cow::Borrowed(raw),
            QueryFrom::Params(params) if params.is_empty() => Cow::Borrowed(""),
            QueryFrom::Params(params) => Cow::Owned(params.to_query_string()),
            QueryFrom::Alb(multi, single) => {
                let multi = decode_query_map(multi);
                let params = if multi.is_empty() {
                    decode_query_map(single)
                } else {
                    multi
                };
                Cow::Owned(params.to_query_string())
            }
        }
    }

    /// At least the length of [`Self::encoded`]: every byte of a name or
    /// value is at most three once encoded (ALB's decoding only shortens).
    fn max_len(&self) -> usize {
        let params = |map: &QueryMap| -> usize {
            map.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum()
        };
        match self {
            QueryFrom::Raw(raw) => raw.len(),
            QueryFrom::Params(map) => params(map),
            QueryFrom::Alb(multi, single) => params(multi).max(params(single)),
        }
    }
}

#[derive(Clone, Copy)]
enum HostFrom {
    Header,
    DomainName,
}

fn host<'a>(headers: &'a HeaderMap, domain_name: Option<&'a str>) -> Option<(&'a str, HostFrom)> {
    match headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
        Some(host) => Some((host, HostFrom::Header)),
        None => domain_name.map(|name| (name, HostFrom::DomainName)),
    }
}

fn uri_parts(event: &LambdaRequest) -> Option<UriParts<'_>> {
    Some(match event {
        LambdaRequest::ApiGatewayV1(ag) => {
            let raw_path = ag.path.as_deref().unwrap_or_default();
            let params = if ag.multi_value_query_string_parameters.is_empty() {
                &ag.query_string_parameters
            } else {
                &ag.multi_value_query_string_parameters
            };
            UriParts {
                headers: &ag.headers,
                host: host(&ag.headers, ag.request_context.domain_name.as_deref()),
                raw_path,
                path: with_stage(ag.request_context.stage.as_deref(), raw_path),
                query: QueryFrom::Params(params),
            }
        }
        LambdaRequest::ApiGatewayV2(ag) => {
            let raw_path = ag.raw_path.as_deref().unwrap_or_default();
            UriParts {
                headers: &ag.headers,
                host: host(&ag.headers, ag.request_context.domain_name.as_deref()),
                raw_path,
                path: with_stage(ag.request_context.stage.as_deref(), raw_path),
                query: QueryFrom::Raw(ag.raw_query_string.as_deref().unwrap_or_default()),
            }
        }
        LambdaRequest::Alb(alb) => {
            let raw_path = alb.path.as_deref().unwrap_or_default();
            UriParts {
                headers: &alb.headers,
                host: host(&alb.headers, None),
                raw_path,
                path: Cow::Borrowed(raw_path),
                query: QueryFrom::Alb(
                    &alb.multi_value_query_string_parameters,
                    &alb.query_string_parameters,
                ),
            }
        }
        _ => return None,
    })
}

/// API Gateway's path with the stage in front, as `lambda_http` puts it.
fn with_stage<'a>(stage: Option<&str>, path: &'a str) -> Cow<'a, str> {
    // Read once: the environment does not change under a running function.
    static IGNORE_STAGE: OnceLock<bool> = OnceLock::new();
    if *IGNORE_STAGE
        .get_or_init(|| std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_some())
    {
        return Cow::Borrowed(path);
    }
    match stage {
        None | Some("$default") => Cow::Borrowed(path),
        Some(stage) if starts_with_stage(path, stage) => Cow::Borrowed(path),
        Some(stage) => Cow::Owned(format!("/{stage}{path}")),
    }
}

/// Whether `path` starts with `/{stage}/`.
fn starts_with_stage(path: &str, stage: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(stage))
        .is_some_and(|rest| rest.starts_with('/'))
}

/// ALB sends parameters as they were received; `lambda_http` decodes them
/// before encoding them again.
fn decode_query_map(params: &QueryMap) -> QueryMap {
    if params.is_empty() {
        return QueryMap::default();
    }
    let text = params.to_query_string();
    let decoded = percent_encoding::percent_decode(text.as_bytes()).decode_utf8_lossy();
    decoded.parse().unwrap_or_default()
}

/// Builds the URI as the conversion does and checks that `http` accepts
/// it, naming the part that is wrong when it does not.
fn check_uri(event: &LambdaRequest) -> Result<(), BadRequest> {
    let Some(parts) = uri_parts(event) else {
        return Ok(());
    };
    // Anything else lets the path rewrite the host (`.evil.com/` after
    // `api.example.com`), or makes the URI unparseable (`:x`).
    if !parts.raw_path.is_empty() && !parts.raw_path.starts_with('/') {
        return Err(BadRequest::new(
            Some(Location::Path),
            None,
            format!("the path {} does not start with `/`", quote(parts.raw_path)),
        ));
    }
    // A host with a path, query or user in it (`x/y`, `u@x`) would
    // otherwise parse, moving part of itself into the request's path.
    if let Some((host, from)) = parts.host {
        match Authority::try_from(host) {
            Ok(_) if !host.contains('@') => {}
            Ok(_) => return Err(bad_host(host, from, &"a host has no user part")),
            Err(err) => return Err(bad_host(host, from, &err)),
        }
    }
    if plainly_valid(&parts) {
        return Ok(());
    }
    let path = &parts.path;
    let mut uri = match parts.host {
        None => match Url::parse(&format!("http://localhost{path}")) {
            Ok(url) => url.path().to_owned(),
            Err(err) => return Err(bad_uri(&err)),
        },
        Some((host, from)) => {
            let scheme = scheme(parts.headers);
            match Url::parse(&format!("{scheme}://{host}{path}")) {
                Ok(url) => String::from(url),
                Err(err) => return Err(bad_authority(scheme, host, from, &err)),
            }
        }
    };
    let query = parts.query.encoded();
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }
    match Uri::try_from(uri.as_str()) {
        Ok(_) => Ok(()),
        Err(_) if uri.len() > MAX_URI_LEN => Err(BadRequest::new(
            None,
            None,
            format!(
                "the request URI is {} bytes long; the limit is {MAX_URI_LEN}",
                uri.len()
            ),
        )),
        Err(err) => {
            // The URL parser takes some authorities `http` does not.
            if let Some((host, from)) = parts.host {
                let scheme = scheme(parts.headers);
                if Scheme::try_from(scheme).is_err() {
                    return Err(bad_scheme(scheme));
                }
                if Authority::try_from(host).is_err() {
                    return Err(bad_host(host, from, &err));
                }
            }
            Err(
                match match parts.query {
                    QueryFrom::Raw(raw) => Some(bad_query_char(raw)),
                    _ => None,
                } {
                    Some(Some(c)) => BadRequest::new(
                        Some(Location::Query),
                        None,
                        format!(
                            "the query string contains {}, which must be percent-encoded",
                            quote(&c.to_string())
                        ),
                    ),
                    _ => bad_uri(&err),
                },
            )
        }
    }
}

/// The scheme the conversion puts in the URI.
fn scheme(headers: &HeaderMap) -> &str {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("https")
}

/// Whether the URI is sure to be valid without building it: what every
/// request from the services looks like (a DNS name, `http` or `https`, a
/// path and query of modest length), checked by scanning bytes. The URL
/// parser never fails on a path after a host it accepts, and percent-encodes
/// every byte `http` refuses in a path.
fn plainly_valid(parts: &UriParts<'_>) -> bool {
    let scheme_ok = match parts.headers.get("x-forwarded-proto") {
        None => true,
        Some(scheme) => matches!(scheme.as_bytes(), b"https" | b"http"),
    };
    let host_len = match parts.host {
        None => 0,
        Some((host, _)) if plain_dns_name(host) => host.len(),
        Some(_) => return false,
    };
    let query_ok = match parts.query {
        QueryFrom::Raw(raw) => bad_query_char(raw).is_none(),
        _ => true,
    };
    let longest = "https://".len() + host_len + 3 * parts.path.len() + 1 + parts.query.max_len();
    scheme_ok && query_ok && longest <= MAX_URI_LEN
}

/// Letters, digits, `-` and `.`, ending in a label of letters (so not an
/// IPv4 address the URL parser would check), and no punycode label (which
/// it would decode).
fn plain_dns_name(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or_default();
    !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_alphabetic())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"xn--"))
}

/// The first character `http` does not take in a query string as it is.
fn bad_query_char(query: &str) -> Option<char> {
    query
        .split('#')
        .next()
        .unwrap_or_default()
        .chars()
        .find(|&c| c.is_ascii_control() || matches!(c, ' ' | '"' | '<' | '>'))
}

fn bad_uri(err: &dyn std::fmt::Display) -> BadRequest {
    BadRequest::new(None, None, format!("the request URI is not valid: {err}"))
}

/// Which of scheme, host and path made the URL unparseable.
fn bad_authority(scheme: &str, host: &str, from: HostFrom, err: &url::ParseError) -> BadRequest {
    if Url::parse(&format!("{scheme}://localhost/")).is_err() {
        return bad_scheme(scheme);
    }
    if Url::parse(&format!("{scheme}://{host}/")).is_err() {
        return bad_host(host, from, err);
    }
    bad_uri(err)
}

fn bad_scheme(scheme: &str) -> BadRequest {
    BadRequest::new(
        Some(Location::Header),
        Some("x-forwarded-proto"),
        format!(
            "header `x-forwarded-proto`: {} is not a URI scheme",
            quote(scheme)
        ),
    )
}

fn bad_host(host: &str, from: HostFrom, err: &dyn std::fmt::Display) -> BadRequest {
    match from {
        HostFrom::Header => BadRequest::new(
            Some(Location::Header),
            Some("host"),
            format!(
                "header `host`: {} is not a valid authority ({err})",
                quote(host)
            ),
        ),
        HostFrom::DomainName => BadRequest::new(
            None,
            None,
            format!(
                "requestContext.domainName {} is not a valid authority ({err})",
                quote(host)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const V1: &str = include_str!("../testing/fixtures/rest-api-v1.json");
    const V2: &str = include_str!("../testing/fixtures/function-url.json");
    const ALB: &str = include_str!("../testing/fixtures/alb.json");

    fn event(fixture: &str, edit: impl FnOnce(&mut Value)) -> HttpEvent {
        let mut event: Value = serde_json::from_str(fixture).unwrap();
        edit(&mut event);
        crate::decode::decode(&serde_json::to_vec(&event).unwrap()).unwrap()
    }

    fn refused(fixture: &str, edit: impl FnOnce(&mut Value)) -> BadRequest {
        event(fixture, edit).into_request().1.unwrap_err()
    }

    fn located(bad: &BadRequest) -> (Option<Location>, Option<&str>) {
        (bad.location, bad.field.as_deref())
    }

    #[test]
    fn base64_bodies_are_decoded_once_and_bad_ones_refused() {
        for fixture in [V1, V2, ALB] {
            let (_, request) = event(fixture, |e| {
                e["body"] = json!("AAEC");
                e["isBase64Encoded"] = json!(true);
            })
            .into_request();
            assert_eq!(request.unwrap().body().as_ref(), [0, 1, 2]);
            let bad = refused(fixture, |e| {
                e["body"] = json!("not base64!");
                e["isBase64Encoded"] = json!(true);
            });
            assert_eq!(located(&bad), (Some(Location::Body), None));
            assert!(
                bad.message
                    .starts_with("isBase64Encoded is true but the body is not valid base64"),
                "{}",
                bad.message
            );
        }
    }

    #[test]
    fn hosts_and_schemes_outside_the_uri_grammar_are_named() {
        for host in ["bad host", "a<b>", "h\"x", "h:port", "x/y@"] {
            let bad = refused(V2, |e| e["headers"]["host"] = json!(host));
            assert_eq!(
                located(&bad),
                (Some(Location::Header), Some("host")),
                "{host}: {bad:?}"
            );
        }
        let bad = refused(ALB, |e| {
            e["headers"] = json!({"host": "ok.example", "x-forwarded-proto": "ht tp"});
        });
        assert_eq!(
            located(&bad),
            (Some(Location::Header), Some("x-forwarded-proto"))
        );
        let bad = refused(V1, |e| {
            e["headers"] = json!({});
            e["requestContext"]["domainName"] = json!("bad domain");
        });
        assert!(
            bad.message
                .starts_with("requestContext.domainName `bad domain`"),
            "{}",
            bad.message
        );
    }

    #[test]
    fn raw_query_strings_must_be_encoded() {
        for (query, c) in [
            ("a=\"x\"", "\""),
            ("a=<", "<"),
            ("a=>", ">"),
            ("a=b c", " "),
        ] {
            let bad = refused(V2, |e| e["rawQueryString"] = json!(query));
            assert_eq!(located(&bad), (Some(Location::Query), None));
            assert_eq!(
                bad.message,
                format!("the query string contains `{c}`, which must be percent-encoded")
            );
        }
        let bad = refused(V2, |e| e["rawQueryString"] = json!("a=\tb"));
        assert!(bad.message.contains("`\\t`"), "{}", bad.message);
        // REST APIs send decoded parameters, which the URI encodes.
        let (_, request) = event(V1, |e| {
            e["queryStringParameters"] = json!({"a": "\"x\" <y>"});
            e["multiValueQueryStringParameters"] = json!({"a": ["\"x\" <y>"]});
        })
        .into_request();
        assert_eq!(request.unwrap().uri().query(), Some("a=%22x%22+%3Cy%3E"));
    }

    #[test]
    fn paths_must_start_with_a_slash_and_fit_a_uri() {
        for path in [":80x", "evil.com/x", "@"] {
            let bad = refused(ALB, |e| e["path"] = json!(path));
            assert_eq!(located(&bad), (Some(Location::Path), None), "{path}");
        }
        let long = format!("/{}", "a".repeat(100_000));
        let bad = refused(V1, |e| e["path"] = json!(long));
        assert!(
            bad.message.contains("the limit is 65534"),
            "{}",
            bad.message
        );
        assert!(bad.message.len() < 100, "the path is not quoted whole");
        // Just under the limit is a request.
        let (_, request) = event(V2, |e| {
            e["rawPath"] = json!(format!("/{}", "a".repeat(60_000)));
        })
        .into_request();
        assert!(request.is_ok());
    }

    #[test]
    fn methods_and_headers_http_does_not_accept_are_named() {
        let bad = refused(V1, |e| e["httpMethod"] = json!("GE T"));
        assert_eq!(bad.message, "`GE T` is not an HTTP method");
        let bad = refused(V2, |e| e["requestContext"]["http"]["method"] = json!("(x)"));
        assert_eq!(bad.message, "`(x)` is not an HTTP method");
        let bad = refused(ALB, |e| {
            e["multiValueHeaders"]["x-a"] = json!(["ok", "new\nline"]);
        });
        assert_eq!(located(&bad), (Some(Location::Header), Some("x-a")));
        let bad = refused(V1, |e| e["headers"]["bad name"] = json!("v"));
        assert_eq!(located(&bad), (Some(Location::Header), Some("bad name")));
    }

    #[test]
    fn the_400_is_the_usual_json_error_body() {
        let bad = refused(V2, |e| e["rawQueryString"] = json!("a=\""));
        let response = bad.response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(
            body,
            json!({
                "error": "Bad Request",
                "message": "the query string contains `\"`, which must be percent-encoded",
                "location": "query",
            })
        );
        let long = bad_uri(&"x").response();
        let body: Value = serde_json::from_slice(long.body().as_ref()).unwrap();
        assert_eq!(body["location"], Value::Null);
    }

    #[test]
    fn punycode_labels_are_found_in_any_case() {
        assert!(plain_dns_name("api.example.com"));
        assert!(plain_dns_name("x-n--y.com"));
        for host in ["xn--bcher-kva.com", "a.XN--x.com", "a.xN--x.org", "Xn--"] {
            assert!(!plain_dns_name(host), "{host}");
        }
    }

    #[test]
    fn a_path_already_under_its_stage_is_kept() {
        assert!(starts_with_stage("/prod/users", "prod"));
        assert!(starts_with_stage("/prod/", "prod"));
        assert!(!starts_with_stage("/prod", "prod"));
        assert!(!starts_with_stage("/production/users", "prod"));
        assert!(!starts_with_stage("prod/users", "prod"));
        assert!(!starts_with_stage("/users", "prod"));
    }

    #[test]
    fn events_of_no_http_source_are_unmarshal_errors() {
        for other in [json!({"key1": "value1"}), json!([1]), json!("text")] {
            let err = crate::decode::decode::<HttpEvent>(&serde_json::to_vec(&other).unwrap())
                .err()
                .unwrap();
            assert_eq!(err.error_type, crate::UNMARSHAL_ERROR);
            assert!(
                err.error_message.contains(NOT_HTTP),
                "{}",
                err.error_message
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::http::props::config(512))]

        /// The fast path's promise: such a host never fails the conversion.
        #[test]
        fn plain_dns_names_make_uris_http_takes(
            host in "([a-zA-Z0-9-]|xn--|\\.|0x){1,12}",
            path in "/[ -~]{0,20}",
        ) {
            if plain_dns_name(&host) {
                let url = Url::parse(&format!("https://{host}{path}"));
                proptest::prop_assert!(url.is_ok(), "{}: {:?}", host, url);
                let uri = Uri::try_from(url.unwrap().as_str());
                proptest::prop_assert!(uri.is_ok(), "{}: {:?}", host, uri);
            }
        }
    }

    #[test]
    fn quotes_are_short_and_escaped() {
        assert_eq!(quote("a\u{1}b\n"), "`a\\u{1}b\\n`");
        let long = quote(&"é".repeat(1000));
        assert_eq!(long.chars().count(), QUOTED_CHARS + 5);
        let reason = BadRequest::new(None, None, format!("a\nb{}", "x".repeat(1000))).message;
        assert!(reason.starts_with("a\\nbx"), "{reason}");
        assert_eq!(reason.chars().count(), MAX_REASON_CHARS + 4);
    }
}
