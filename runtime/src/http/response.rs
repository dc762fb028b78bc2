//! Return values into HTTP responses, errors into statuses, and the
//! response into the JSON shape the event's source expects.

use std::fmt::Display;

use ::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use lambda_http::aws_lambda_events::alb::AlbTargetGroupResponse;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::request::RequestOrigin;
use lambda_http::Body;
use serde::Serialize;

use super::extract::Json;
use super::Response;

/// What an HTTP handler may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an HTTP handler",
    label = "not a response",
    note = "return `Json<T>`, `(StatusCode, Json<T>)`, `String`, `&'static str`, `Vec<u8>`, `StatusCode`, \
            `()`, a `Response`, or `Result<one of those, E>` where `E: ResponseError`"
)]
pub trait IntoResponse {
    /// The response.
    fn into_response(self) -> Response;
}

/// An error an HTTP handler returns: its status (500 unless overridden)
/// and, below 500, its message go to the client; 5xx messages are logged
/// and the client sees a generic one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of an HTTP handler",
    label = "no HTTP status for this error",
    note = "implement `lambda_kit::http::ResponseError` for it (`impl ResponseError for MyError {{}}` answers 500; \
            override `status()` for others), or return `lambda_kit::http::HttpError`"
)]
pub trait ResponseError: Display {
    /// The response status.
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// An error with the status to answer, e.g. `HttpError::not_found("no item 7")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    /// The response status.
    pub status: StatusCode,
    /// The message, sent to the client when `status` is below 500.
    pub message: String,
}

impl HttpError {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409 Conflict.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
}

impl Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

impl ResponseError for HttpError {
    fn status(&self) -> StatusCode {
        self.status
    }
}

impl ResponseError for crate::Error {}

#[cfg(feature = "rds")]
impl ResponseError for crate::rds::Error {
    /// `NotFound` (a `-> Row` query with no row) is 404; a database that
    /// cannot be reached is 503; anything else 500.
    fn status(&self) -> StatusCode {
        match self {
            crate::rds::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            unavailable if unavailable.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Where in the request a [`Rejection`] found the problem; serialized
/// as `"body"`, `"query"`, `"path"` or `"header"` in the response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Location {
    /// The request body.
    Body,
    /// The query string.
    Query,
    /// The path or its parameters.
    Path,
    /// A header (the field names which).
    Header,
}

impl Location {
    /// The name the response body uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::Query => "query",
            Location::Path => "path",
            Location::Header => "header",
        }
    }
}

impl Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request that does not fit the handler's parameters.
#[derive(Clone, Debug)]
pub struct Rejection {
    /// 400, or 415 for a wrong content type.
    pub status: StatusCode,
    /// Where the problem is.
    pub location: Location,
    /// The offending field or parameter, when known.
    pub field: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, location: Location, message: impl Into<String>) -> Self {
        Self {
            status,
            location,
            field: None,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(location: Location, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, location, message)
    }

    pub(crate) fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        json_error(
            self.status,
            &ErrorBody {
                error: self.status.canonical_reason().unwrap_or("Error"),
                message: &self.message,
                location: Some(self.location),
                field: self.field.as_deref(),
            },
        )
    }
}

/// `{"error": reason, "message": message}` with `status`.
pub(crate) fn error_response(status: StatusCode, message: &str) -> Response {
    json_error(
        status,
        &ErrorBody {
            error: status.canonical_reason().unwrap_or("Error"),
            message,
            location: None,
            field: None,
        },
    )
}

fn json_error(status: StatusCode, body: &ErrorBody<'_>) -> Response {
    let text = serde_json::to_string(body).unwrap_or_default();
    with_type(status, Body::Text(text), "application/json")
}

fn with_type(status: StatusCode, body: Body, content_type: &'static str) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

impl<T: IntoResponse, E: ResponseError> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(err) => {
                let status = err.status();
                if status.is_server_error() {
                    tracing::error!(status = status.as_u16(), "{err}");
                    error_response(status, status.canonical_reason().unwrap_or("Server Error"))
                } else {
                    error_response(status, &err.to_string())
                }
            }
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_string(&self.0) {
            Ok(text) => with_type(StatusCode::OK, Body::Text(text), "application/json"),
            Err(err) => {
                tracing::error!("the response cannot be serialized as JSON: {err}");
                error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        }
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(
            StatusCode::OK,
            Body::Text(self),
            "text/plain; charset=utf-8",
        )
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        self.to_owned().into_response()
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_type(
            StatusCode::OK,
            Body::Binary(self),
            "application/octet-stream",
        )
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = self;
        response
    }
}

/// An empty 204 No Content.
impl IntoResponse for () {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

impl<T: IntoResponse> IntoResponse for (HeaderMap, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        response.headers_mut().extend(self.0);
        response
    }
}

/// Extra headers as name/value pairs, e.g. `[("location", url)]`; a pair
/// that is not a valid header is a 500, logged.
impl<K: AsRef<str>, V: AsRef<str>, const N: usize, T: IntoResponse> IntoResponse
    for (StatusCode, [(K, V); N], T)
{
    fn into_response(self) -> Response {
        let mut response = (self.0, self.2).into_response();
        for (name, value) in self.1 {
            let (name, value) = (name.as_ref(), value.as_ref());
            match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                (Ok(name), Ok(value)) => {
                    response.headers_mut().append(name, value);
                }
                _ => {
                    tracing::error!("invalid response header `{name}: {value}`");
                    return error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    );
                }
            }
        }
        response
    }
}

/// Converts a handler's return value (spanned at the return type).
#[inline]
pub fn respond<T: IntoResponse>(value: T) -> Response {
    value.into_response()
}

/// `respond` for `-> Result<T, E>`: a `T` that is not a response and an `E`
/// without a status are each reported at their own type.
#[inline]
pub fn respond_result<T: IntoResponse, E: ResponseError>(value: Result<T, E>) -> Response {
    value.into_response()
}

/// The response in the JSON shape of the event's source.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub(crate) enum HttpResponse {
    V1(ApiGatewayProxyResponse),
    V2(ApiGatewayV2httpResponse),
    Alb(AlbTargetGroupResponse),
}

impl HttpResponse {
    pub(crate) fn new(origin: &RequestOrigin, response: Response) -> Self {
        let (parts, body) = response.into_parts();
        let (is_base64_encoded, body) = match body {
            Body::Empty => (false, None),
            text @ Body::Text(_) => (false, Some(text)),
            binary @ Body::Binary(_) => (true, Some(binary)),
            _ => (false, None),
        };
        let status_code = i64::from(parts.status.as_u16());
        let mut headers = parts.headers;
        match origin {
            RequestOrigin::ApiGatewayV2 => {
                // HTTP API and Function URLs take cookies apart from headers.
                let cookies = headers
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_owned))
                    .collect();
                headers.remove(header::SET_COOKIE);
                let mut response = ApiGatewayV2httpResponse::default();
                response.status_code = status_code;
                response.headers = headers;
                response.cookies = cookies;
                response.body = body;
                response.is_base64_encoded = is_base64_encoded;
                HttpResponse::V2(response)
            }
            RequestOrigin::Alb => {
                let mut response = AlbTargetGroupResponse::default();
                response.status_code = status_code;
                response.status_description = Some(format!(
                    "{} {}",
                    parts.status.as_u16(),
                    parts.status.canonical_reason().unwrap_or_default()
                ));
                // The target group decides which of the two it reads.
                response.headers = headers.clone();
                response.multi_value_headers = headers;
                response.body = body;
                response.is_base64_encoded = is_base64_encoded;
                HttpResponse::Alb(response)
            }
            // REST APIs (and anything else proxying v1 payloads).
            _ => {
                let mut response = ApiGatewayProxyResponse::default();
                response.status_code = status_code;
                // Only multi-value: API Gateway merges both fields and
                // would send single-valued headers twice.
                response.multi_value_headers = headers;
                response.body = body;
                response.is_base64_encoded = is_base64_encoded;
                HttpResponse::V1(response)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "rds")]
    #[test]
    fn database_errors_choose_their_status() {
        use crate::rds::Error;
        use std::time::Duration;
        let unreachable = Error::ConnectTimeout {
            address: "db:3306".into(),
            timeout: Duration::from_secs(1),
        };
        assert_eq!(unreachable.status(), StatusCode::SERVICE_UNAVAILABLE);
        let config = Error::Config("no database configured".into());
        assert_eq!(config.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn server_errors_hide_their_message() {
        let response = Err::<String, _>(HttpError::new(
            StatusCode::BAD_GATEWAY,
            "upstream at 10.0.0.7 said no",
        ))
        .into_response();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        let body = std::str::from_utf8(response.body().as_ref())
            .unwrap()
            .to_owned();
        assert_eq!(body, r#"{"error":"Bad Gateway","message":"Bad Gateway"}"#);

        let response = Err::<String, _>(HttpError::conflict("name taken")).into_response();
        let body = std::str::from_utf8(response.body().as_ref())
            .unwrap()
            .to_owned();
        assert_eq!(body, r#"{"error":"Conflict","message":"name taken"}"#);
    }

    #[test]
    fn bad_header_pairs_are_a_logged_500() {
        let response = (StatusCode::OK, [("bad header", "x")], "body").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = (StatusCode::CREATED, [("x-a", "1"), ("x-a", "2")], "body").into_response();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers().get_all("x-a").iter().count(), 2);
    }
}
