//! `#[lambda_handler(http, idempotent)]`: the `Idempotency-Key` request
//! header (the IETF httpapi draft's semantics) keys a `POST`, `PUT`,
//! `PATCH` or `DELETE`; a repeat gets the first response again (status,
//! headers and body, marked `Idempotent-Replayed: true`), a repeat while
//! the first is running gets 409, the key reused for a different request
//! 422.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use base64::Engine as _;
use futures_util::FutureExt;
use http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use http::{Method, StatusCode};
use lambda_http::Body;
use serde::{Deserialize, Serialize};

use super::key::digest;
use super::store::Found;
use super::{
    Idempotency, COMPLETED, FAILED, IN_PROGRESS_ERROR, PAYLOAD_MISMATCH_ERROR, STORE_ERROR,
};
use crate::http::response::error_response;
use crate::http::{Request, Response};
use crate::Diagnostic;

/// The request header that carries the key.
pub const KEY_HEADER: &str = "idempotency-key";
/// The response header that marks a replay.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// A response as a record keeps it.
#[derive(Serialize, Deserialize)]
struct Kept {
    status: u16,
    /// Values that are visible ASCII, as they are.
    headers: Vec<[String; 2]>,
    /// Any other values, base64.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    binary_headers: Vec<[String; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binary: Option<String>,
}

impl Idempotency {
    /// Not public API: answers `request` with `handler` at most once per
    /// `Idempotency-Key` within the expiry (boxed, as `once` is).
    #[doc(hidden)]
    pub fn http<F, Fut>(
        &'static self,
        request: Request,
        deadline_ms: u64,
        handler: F,
    ) -> std::pin::Pin<Box<impl Future<Output = Response>>>
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        Box::pin(self.run_http(request, deadline_ms, handler))
    }

    async fn run_http<F, Fut>(
        &'static self,
        request: Request,
        deadline_ms: u64,
        handler: F,
    ) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let settings = self.settings();
        let applies = matches!(
            *request.method(),
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let Some(key) = request
            .headers()
            .get(KEY_HEADER)
            .filter(|_| applies && settings.enabled)
        else {
            return handler(request).await;
        };
        let key = match key.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= MAX_KEY_LEN => key,
            _ => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "the Idempotency-Key header must be 1 to {MAX_KEY_LEN} visible ASCII characters"
                    ),
                )
            }
        };
        let body: &[u8] = match request.body() {
            Body::Text(text) => text.as_bytes(),
            Body::Binary(bytes) => bytes,
            _ => b"",
        };
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |target| target.as_str());
        let payload = digest(&[
            request.method().as_str().as_bytes(),
            target.as_bytes(),
            body,
        ]);
        // Keys are the caller's: another caller's same key is another request
        // and never sees this one's response.
        let caller = digest(&[
            header_bytes(&request, http::header::AUTHORIZATION),
            header_bytes(&request, "x-api-key"),
        ]);
        let claim = self.claim_text(key, &caller, Some(payload));
        if let Some(cache) = &settings.cache {
            if let Some(kept) = cache.get(&claim) {
                return replayed(kept.and_then(|kept| kept));
            }
        }
        let deadline = i64::try_from(deadline_ms).unwrap_or(i64::MAX);
        let lease = match self.begin(&claim, deadline).await {
            Ok(Found::Fresh(lease)) => lease,
            Ok(Found::Replay(replay, until)) => {
                if let Some(cache) = &settings.cache {
                    cache.put(&claim, &replay, until);
                }
                return replayed(replay);
            }
            Err(error) => return refused(&error),
        };
        let response = match AssertUnwindSafe(handler(request)).catch_unwind().await {
            Ok(response) => response,
            Err(panic) => {
                self.release(&lease).await;
                std::panic::resume_unwind(panic);
            }
        };
        // A server error, or an answer that says to come back (the caller
        // was not let in, or the time was not right), is not the request's
        // answer: a retry runs again.
        if forgotten(response.status()) {
            self.release(&lease).await;
            return response;
        }
        let (parts, body) = response.into_parts();
        let kept = keep(&parts, &body);
        let json = serde_json::to_string(&kept).unwrap_or_default();
        let (status, stored, answer) = match self.too_large(json.len()) {
            Some(error) => {
                let document = serde_json::to_string(&error).unwrap_or_default();
                (FAILED, document, refused(&error))
            }
            None => (COMPLETED, json, Response::from_parts(parts, body)),
        };
        let until = self.keep(&lease, status, stored.as_bytes()).await;
        if let (Some(until), Some(cache), COMPLETED) = (until, &settings.cache, status) {
            if let Ok(json) = serde_json::value::RawValue::from_string(stored) {
                cache.put(&claim, &Ok(json), until);
            }
        }
        answer
    }
}

/// Whether a response of `status` is not kept.
fn forgotten(status: StatusCode) -> bool {
    status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::CONFLICT
                | StatusCode::TOO_EARLY
                | StatusCode::TOO_MANY_REQUESTS
        )
}

/// A request header's bytes, empty when absent.
fn header_bytes(request: &Request, name: impl http::header::AsHeaderName) -> &[u8] {
    request
        .headers()
        .get(name)
        .map_or(&[][..], HeaderValue::as_bytes)
}

/// The response as a record keeps it.
fn keep(parts: &http::response::Parts, body: &Body) -> Kept {
    let mut kept = Kept {
        status: parts.status.as_u16(),
        headers: Vec::new(),
        binary_headers: Vec::new(),
        text: None,
        binary: None,
    };
    for (name, value) in &parts.headers {
        match value.to_str() {
            Ok(text) => kept
                .headers
                .push([name.as_str().to_owned(), text.to_owned()]),
            Err(_) => kept.binary_headers.push([
                name.as_str().to_owned(),
                base64::engine::general_purpose::STANDARD.encode(value.as_bytes()),
            ]),
        }
    }
    match body {
        Body::Text(text) => kept.text = Some(text.clone()),
        Body::Binary(bytes) => {
            kept.binary = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        _ => {}
    }
    kept
}

/// The kept response again, marked as a replay; a kept error as its
/// response.
fn replayed(replay: super::store::Replay) -> Response {
    let json = match replay {
        Ok(json) => json,
        Err(error) => return refused(&error),
    };
    let Ok(kept) = serde_json::from_str::<Kept>(json.get()) else {
        return refused(&super::store::corrupt());
    };
    let decode = |text: &str| base64::engine::general_purpose::STANDARD.decode(text).ok();
    let body = match (kept.text, kept.binary.as_deref().and_then(decode)) {
        (Some(text), _) => Body::Text(text),
        (None, Some(bytes)) => Body::Binary(bytes),
        (None, None) => Body::Empty,
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    let binary = kept
        .binary_headers
        .iter()
        .filter_map(|[name, value]| Some((name, HeaderValue::from_bytes(&decode(value)?).ok()?)));
    let text = kept
        .headers
        .iter()
        .filter_map(|[name, value]| Some((name, HeaderValue::from_str(value).ok()?)));
    for (name, value) in text.chain(binary) {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            headers.append(name, value);
        }
    }
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// An idempotency error as the draft's status: 409 while the key is in
/// use, 422 for a key reused for another request, 503 when the table
/// cannot be reached (both with `Retry-After`), 500 otherwise.
fn refused(error: &Diagnostic) -> Response {
    let status = match error.error_type.as_str() {
        IN_PROGRESS_ERROR => StatusCode::CONFLICT,
        PAYLOAD_MISMATCH_ERROR => StatusCode::UNPROCESSABLE_ENTITY,
        STORE_ERROR => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    // A server error's message is for the logs, not for the client (it
    // may name the database).
    let message = if status.is_server_error() {
        tracing::error!(error_type = %error.error_type, "{}", error.error_message);
        status.canonical_reason().unwrap_or("Internal Server Error")
    } else {
        &error.error_message
    };
    let mut response = error_response(status, message);
    if matches!(
        status,
        StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE
    ) {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(response: Response) -> Response {
        let (parts, body) = response.into_parts();
        let json = serde_json::to_string(&keep(&parts, &body)).unwrap();
        replayed(Ok(serde_json::value::RawValue::from_string(json).unwrap()))
    }

    #[test]
    fn a_replay_restores_status_every_header_and_the_body() {
        let mut response = Response::new(Body::Binary(vec![0, 159, 146, 150]));
        *response.status_mut() = StatusCode::CREATED;
        let headers = response.headers_mut();
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        headers.append("x-raw", HeaderValue::from_bytes(&[b'a', 0xe9]).unwrap());
        let again = round_trip(response);
        assert_eq!(again.status(), StatusCode::CREATED);
        let cookies: Vec<_> = again.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(again.headers()["x-raw"].as_bytes(), [b'a', 0xe9]);
        assert_eq!(again.headers()[REPLAYED_HEADER], "true");
        assert_eq!(again.body(), &Body::Binary(vec![0, 159, 146, 150]));
        let again = round_trip(Response::new(Body::Text("é".to_owned())));
        assert_eq!(
            (again.status(), again.body()),
            (StatusCode::OK, &Body::Text("é".to_owned()))
        );
        assert_eq!(round_trip(Response::new(Body::Empty)).body(), &Body::Empty);
    }

    #[test]
    fn server_errors_do_not_tell_the_client_why() {
        let response = refused(&Diagnostic {
            error_type: STORE_ERROR.to_owned(),
            error_message: "cannot reach db.internal:3306 as admin".to_owned(),
        });
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "1");
        let Body::Text(text) = response.body() else {
            panic!("a JSON error body")
        };
        assert!(!text.contains("db.internal"), "{text}");
        let response = refused(&super::super::store::in_progress(5));
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }

    #[test]
    fn answers_that_say_come_back_are_not_kept() {
        for status in [401, 403, 408, 409, 425, 429, 500, 503] {
            assert!(forgotten(StatusCode::from_u16(status).unwrap()), "{status}");
        }
        for status in [200, 201, 204, 400, 404, 422] {
            assert!(
                !forgotten(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }
}
