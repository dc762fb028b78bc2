//! HTTP handlers behind API Gateway (REST APIs, payload v1; HTTP APIs,
//! payload v2), Application Load Balancers and Function URLs: the same
//! handler answers each, with no code change.
//!
//! ```no_run
//! use lambda_kit::http::{Json, Query};
//! use lambda_kit::lambda_handler;
//!
//! #[derive(serde::Deserialize)]
//! struct Greeting { name: Option<String> }
//!
//! #[derive(serde::Serialize)]
//! struct Reply { message: String }
//!
//! #[lambda_handler(http)]
//! async fn greet(Query(q): Query<Greeting>) -> Json<Reply> {
//!     let name = q.name.as_deref().unwrap_or("World");
//!     Json(Reply { message: format!("Hello, {name}!") })
//! }
//! ```
//!
//! Parameters are extractors ([`Json`], [`Query`], [`Path`], [`HeaderMap`],
//! [`Method`], [`Uri`], the whole [`Request`]), `&Context`, and the init
//! state `&State`. A request that does not fit them is answered 400 (415
//! for a wrong content type) with a JSON body naming the field and the
//! problem; the handler never sees it. So is an event that cannot become a
//! request at all (a payload-v2 query string with `"` or a space, a `Host`
//! header outside the URI grammar, a body marked base64 that is not, a URI
//! over 64 kB, ...): 400 in the source's response shape, the reason logged at
//! `WARN`, and the process keeps serving. Return values are anything
//! [`IntoResponse`]; `Result<T, E>` answers `E`'s [`ResponseError::status`].
//!
//! Several functions behind one `{proxy+}` resource are routed with
//! [`get`], [`post`], [`put`], [`patch`] and [`delete`] on each and one
//! [`router!`] line that makes them the bootstrap.
//!
//! Outside Lambda, `BOOTSTRAP --serve 127.0.0.1:3000` serves real HTTP,
//! turning each request into the event a Function URL would send.
//!
//! # The local server's bounds
//!
//! `--serve` bounds clients as API Gateway and Lambda do, so a local run
//! meets the limits production will. Each bound is an environment variable
//! read at start-up; a value that does not parse stops the server with an
//! error naming the variable (exit status 2), never a silent default.
//!
//! | Variable | Default | What happens past it |
//! |---|---|---|
//! | `LAMBDA_KIT_SERVE_MAX_BODY` | `6291456` bytes (Lambda's 6 MB payload limit) | `413`, sent as soon as a declared `Content-Length` or a streamed body crosses it, without reading the rest |
//! | `LAMBDA_KIT_SERVE_HEADER_TIMEOUT` | `30` seconds | the connection is closed: a request's head must arrive within this long of the server waiting for it (a new connection, or the previous response on a kept-alive one, so this is also how long an idle connection stays open) |
//! | `LAMBDA_KIT_SERVE_IDLE_TIMEOUT` | `60` seconds | the longest a request body may go without a byte arriving (answered `408`), or a response without the client reading any of it (the connection is closed) |
//! | `LAMBDA_KIT_SERVE_MAX_CONNECTIONS` | `256` | further clients wait in the listen backlog and are served as connections close |
//!
//! Timeouts accept fractions (`0.5`); the others are positive whole numbers.
//! Over the connection cap the server stops accepting rather than answering
//! `503`: waiting clients cost the process no memory or file descriptors,
//! and a browser gets its page late instead of an error. When `accept`
//! itself fails (out of file descriptors, say), the server retries with a
//! growing pause of up to a second instead of spinning, and logs one
//! warning when the failures start and one with their count when accepting
//! works again.
//!
//! On SIGTERM or SIGINT the server closes its listener, lets the requests in
//! flight be answered (each connection then closes) for at most the grace
//! period (`LAMBDA_KIT_SHUTDOWN_GRACE_MS`), runs the `shutdown` hook
//! (`#[lambda_handler(http, shutdown = teardown)]`,
//! `router!(shutdown = teardown, ...)`), logs one line and exits 0.
//!
//! Every request gets an answer: a `Host` or `X-Forwarded-Proto` header the
//! event cannot carry as a URL is a `400`, a response that cannot be
//! serialized a `500`, a failed invocation a `502` (as API Gateway answers),
//! all with a `{"message": ...}` JSON body. A client that shuts down its
//! sending side after the request still receives the response.

mod event;
mod extract;
mod missing;
mod path;
pub(crate) mod payload;
#[cfg(test)]
mod props;
mod response;
mod router;
mod serve;

use std::future::Future;
use std::process::ExitCode;
use std::rc::Rc;

use lambda_runtime::Context;

use crate::bootstrap::{self, Spec};
use crate::init::Init;
use crate::invoke::Handler;
use crate::shutdown::Shutdown;
use event::HttpEvent;

pub use ::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
pub use extract::{FromRequest, Json, Path, Query};
pub use lambda_http::Body;
pub use lambda_kit_macros::{delete, get, patch, post, put, router};
pub use response::{HttpError, IntoResponse, Location, Rejection, ResponseError};

/// An HTTP request, whatever sent it; the body is text or bytes
/// (base64 bodies arrive decoded).
pub type Request<B = Body> = ::http::Request<B>;

/// An HTTP response; a [`Body::Binary`] is sent base64-encoded, as API
/// Gateway and ALB expect.
/// `Response::builder()` works as with the `http` crate.
pub type Response<B = Body> = ::http::Response<B>;

/// Not public API: what the HTTP macros expand to.
#[doc(hidden)]
pub mod __private {
    pub use super::response::{respond, respond_result};
    pub use super::router::{entry, same_route, BoxResponse, Route, RouteEntry, RouteInfo};
    pub use super::{start, start_router};

    use super::{FromRequest, IntoResponse, Rejection, Request, Response};

    /// One parameter, spanned at its type.
    #[inline]
    pub fn extract<T: FromRequest>(request: &Request) -> Result<T, Rejection> {
        T::from_request(request)
    }

    /// A rejected request's response.
    pub fn reject(rejection: Rejection) -> Response {
        rejection.into_response()
    }
}

/// Runs an HTTP bootstrap: `handler` gets each request with its context
/// and the init state; `shutdown` (`has_shutdown`: a user hook) runs on
/// SIGTERM/SIGINT.
pub fn start<S, I, K, H, F>(init: I, shutdown: K, has_shutdown: bool, handler: H) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    H: Fn(Request, Context, &'static S) -> F + 'static,
    F: Future<Output = Response>,
{
    let handler = adapt(handler);
    if !bootstrap::under_lambda() {
        match serve::address_from_command_line() {
            Ok(Some(address)) => {
                return bootstrap::block_on(
                    false,
                    serve::run(address, init, shutdown, has_shutdown, handler),
                )
            }
            Ok(None) => {}
            Err(code) => return code,
        }
    }
    let spec = Spec {
        reads_event: true,
        shutdown: has_shutdown,
    };
    bootstrap::start_as(spec, serve::LOCAL_MODE, init, shutdown, handler)
}

/// Runs a routed HTTP bootstrap: the generated `main` of `router!`.
/// `add_routes` is a closure so that the compiler knows the state type
/// from `init` before it checks the routes against it.
pub fn start_router<S, I, K, R>(init: I, shutdown: K, has_shutdown: bool, add_routes: R) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    R: FnOnce(&mut Vec<router::RouteEntry<S>>),
{
    let mut routes = Vec::new();
    add_routes(&mut routes);
    let router = match router::Router::new(routes) {
        // Lives as long as the process, like the state.
        Ok(router) => &*Box::leak(Box::new(router)),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    start(
        init,
        shutdown,
        has_shutdown,
        move |request, context, state| router.dispatch(request, context, state),
    )
}

/// The user's handler as the bootstrap's: the event becomes a request (or
/// a 400 when it cannot be one) and the handler runs, all inside the
/// returned future, which the bootstrap polls under the panic guard.
fn adapt<S, H, F>(
    handler: H,
) -> impl Handler<HttpEvent, S, Output = response::HttpResponse> + 'static
where
    S: 'static,
    H: Fn(Request, Context, &'static S) -> F + 'static,
    F: Future<Output = Response>,
{
    // Shared with each invocation's future so that nothing of the
    // invocation runs before the future is polled.
    let handler = Rc::new(handler);
    move |event: HttpEvent, context: Context, state: &'static S| {
        let handler = Rc::clone(&handler);
        async move {
            let (origin, request) = event.into_request();
            let response = match request {
                Ok(request) => handler(request, context, state).await,
                Err(bad) => {
                    tracing::warn!(
                        status = 400,
                        "the event cannot be an HTTP request: {}",
                        bad.message
                    );
                    bad.response()
                }
            };
            Ok(response::HttpResponse::new(&origin, response))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::guard;

    fn event() -> HttpEvent {
        crate::decode::decode(include_bytes!("../testing/fixtures/http-api-v2.json")).unwrap()
    }

    #[test]
    fn a_handler_that_panics_before_returning_its_future_is_caught_by_the_guard() {
        static STATE: () = ();
        let handler = adapt(
            |_: Request, _: Context, _: &'static ()| -> std::future::Ready<Response> {
                panic!("while routing")
            },
        );
        // Starting the invocation runs nothing of it...
        let future = handler.call(event(), Context::default(), &STATE);
        // ...so the panic happens where the guard catches it.
        let outcome = futures_util::FutureExt::now_or_never(guard(future)).unwrap();
        assert_eq!(outcome.unwrap_err().error_message, "while routing");
    }
}
