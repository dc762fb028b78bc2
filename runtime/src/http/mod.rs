//! HTTP handlers behind API Gateway (REST APIs, payload v1; HTTP APIs,
//! payload v2), Application Load Balancers and Function URLs: the same
//! handler answers each, with no code change (feature `http`).
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
//! Enable it with `lambda-kit = { git = "https://github.com/lambda-kit/lambda-kit", features = ["http"] }`.
//! The same binary answers a REST API (payload v1), an HTTP API (payload
//! v2), an ALB target group (single- or multi-value headers) and a Function
//! URL: the response is written in the shape the event's source expects.
//! `#[lambda_handler(http)]` takes `init`, `shutdown` and `crate` as
//! [`lambda_handler`](crate::lambda_handler) does, and deadlines, panics,
//! logging and graceful shutdown work as documented there; errors and bad
//! requests become responses, as below.
//!
//! # Parameters
//!
//! In any order, each an extractor ([`FromRequest`]):
//!
//! - [`Json<T>`](Json): the body, with `Content-Type: application/json` or
//!   `*+json`;
//! - [`Query<T>`](Query): the query string into a struct (`Option` fields
//!   are optional);
//! - [`Path<T>`](Path): path parameters, one value, a tuple in pattern
//!   order, or a struct; from the route pattern, or from API Gateway's
//!   `pathParameters`;
//! - [`HeaderMap`], [`Method`], [`Uri`], or the whole [`Request`] (base64
//!   bodies arrive decoded);
//!
//! and `&Context`, and the init state `&State` with
//! `#[lambda_handler(http, init = setup)]`.
//!
//! **Bad input never reaches the handler** and is never a 500: malformed
//! JSON, a field of the wrong type, a missing field, a missing body, an
//! unparsable query or path parameter answer `400`, a wrong or missing
//! content type `415`, each with a JSON body ([`Rejection`]) naming the
//! place, the field and the problem:
//!
//! ```json
//! {"error":"Bad Request","message":"body field `qty`: invalid type: string \"many\", expected u32 at line 1 column 24","location":"body","field":"qty"}
//! ```
//!
//! An event that cannot become a request at all (a payload-v2 query string
//! with `"`, `<`, `>`, a space or a tab; a `Host` or `X-Forwarded-Proto`
//! header outside the URI grammar; `isBase64Encoded: true` on a body that
//! is not base64; a URI longer than 64 kB; a method or header `http` does
//! not accept) is answered `400` the same way, in the source's own response
//! shape, and the reason is logged at `WARN`; the process keeps serving.
//!
//! # Return values
//!
//! Anything [`IntoResponse`]: [`Json<T>`](Json), `(StatusCode, Json<T>)`,
//! `(StatusCode, [(name, value); N], body)` for extra headers, `String` /
//! `&'static str` (text), `Vec<u8>` (binary, sent base64-encoded),
//! [`StatusCode`], `()` (204), a full [`Response`] (`Response::builder()`),
//! or `Result<any of those, E>`. The error decides the status through
//! [`ResponseError`] ([`status()`](ResponseError::status) defaults to 500):
//! [`HttpError::not_found("no item 7")`](HttpError::not_found) and friends
//! carry their own; `rds::Error` is 404 for a `-> Row` query with no row,
//! 503 when the database cannot be reached, else 500. Below 500 the message
//! goes to the client as `{"error": "Not Found", "message": "no item 7"}`;
//! for 5xx the client gets only the status text and the message is logged.
//! A panic is an invocation error, which API Gateway answers with 502, and
//! the instance keeps serving.
//!
//! ```no_run
//! use lambda_kit::http::{HttpError, Json, Path, StatusCode};
//! use lambda_kit::lambda_handler;
//!
//! #[derive(serde::Serialize)]
//! struct Item { id: u32 }
//!
//! #[lambda_handler(http)]
//! async fn create(Path(id): Path<u32>) -> Result<(StatusCode, [(&'static str, String); 1], Json<Item>), HttpError> {
//!     if id == 0 {
//!         return Err(HttpError::bad_request("ids start at 1"));
//!     }
//!     Ok((StatusCode::CREATED, [("location", format!("/items/{id}"))], Json(Item { id })))
//! }
//! ```
//!
//! # Routing
//!
//! Several functions behind one API Gateway `{proxy+}` resource or HTTP
//! API `$default` route: [`get`], [`post`], [`put`], [`patch`] or
//! [`delete`] on each, and one [`router!`] line that makes them the
//! bootstrap; [`router!`] documents patterns and matching.
//!
//! # Locally
//!
//! Outside Lambda, an HTTP bootstrap serves real HTTP, each request turned
//! into the event a Function URL would send and the response decoded back:
//!
//! ```sh
//! cargo run -p api_hello -- --serve 127.0.0.1:3000
//! curl 'http://127.0.0.1:3000/hello?name=Ada'        # {"message":"Hello, Ada!"}
//! ```
//!
//! A failed invocation answers 502 as API Gateway does. An event file (an
//! API Gateway, ALB or Function URL event) can also be run once, as in
//! [local mode](crate::lambda_handler#local-mode).
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
//! all with a `{"message": ...}` JSON body; each request is bounded by the
//! function's timeout (`AWS_LAMBDA_FUNCTION_TIMEOUT`). A client that shuts down its
//! sending side after the request still receives the response.
//!
//! # Troubleshooting
//!
//! **``error[E0601]: `main` function not found in crate``** on a binary of
//! route functions (`#[get("/items/{id}")]` and its siblings): a route
//! attribute makes its function a route, not a bootstrap. One `router!`
//! line at the crate root lists the routes and generates `main`:
//! `router!(list, show, create);` (with `init = setup` when routes take
//! `&State`). No macro can attach a note to rustc's error, so here is the
//! note: that line is missing, or it sits inside a module.
//!
//! **``error[E0080]: evaluation panicked: `Path<(String, u32)>` takes 2
//! values but the route `"/items/{id}"` has 1 path parameter``**: a
//! [`Path`] of a tuple takes one value per pattern parameter, in pattern
//! order; one plain value (`Path<u64>`) takes a pattern with exactly one; a
//! pattern without parameters takes no `Path` at all. The route attribute checks what the signature shows, when the
//! type is lambda-kit's `Path` (by its trait, so a renamed import is
//! checked too). It cannot see through a struct or a type alias: those are
//! checked when the bootstrap starts, before the first request, and a
//! misfit fails init (`Runtime.InvalidRoute` under Lambda; outside Lambda
//! an `error: route ...` line and exit status 1), naming the route, the
//! struct's fields and the pattern's parameters, e.g. ``route `GET
//! /shops/{shop}/items/{id}` (`item`): `Path<ItemPath>` has the fields
//! `shop`, `item_id` but the pattern has 2 parameters (`shop`, `id`) ...``.
//! Name the fields after the parameters (or `#[serde(rename = "id")]`);
//! a field with `#[serde(default)]` may be missing from the pattern. Without
//! these checks every request would be answered 400, as if the client were
//! wrong.

mod event;
mod extract;
mod missing;
mod path;
pub(crate) mod payload;
#[cfg(test)]
mod props;
pub(crate) mod response;
mod router;
mod serve;

use std::future::Future;
use std::process::ExitCode;

use lambda_runtime::Context;

use crate::bootstrap::{self, Spec};
use crate::concurrency::{Concurrent, Loop, Parts, Probe, Serving, Why};
use crate::init::Init;
use crate::shutdown::Shutdown;
use event::HttpEvent;

pub use ::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
pub use extract::{FromRequest, Json, Path, Query};
pub use lambda_http::Body;
#[doc = include_str!("../../docs/router.md")]
// An empty line, so that the macro's own docs begin a paragraph of their own.
#[doc = ""]
pub use lambda_kit_macros::router;
pub use lambda_kit_macros::{delete, get, patch, post, put};
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
    pub use super::router::{
        entry, same_route, BoxResponse, Route, RouteAny, RouteEntry, RouteInfo, RouteProbe,
        RouteSend, SendBoxResponse, SendHandler,
    };
    pub use super::{probe, router_probe, start, start_router, Http, Request, Response, Routed};

    use std::marker::PhantomData;

    use super::{FromRequest, IntoResponse, Rejection};

    /// One parameter, spanned at its type.
    #[inline]
    pub fn extract<T: FromRequest>(request: &Request) -> Result<T, Rejection> {
        T::from_request(request)
    }

    /// A rejected request's response.
    pub fn reject(rejection: Rejection) -> Response {
        rejection.into_response()
    }

    /// A parameter's type, asked what it is as an extractor without
    /// requiring it to be one: `extract` already reports a type that is
    /// not, once. The inherent items apply when `T: FromRequest`; the
    /// fallback trait's ([`NotAnExtractor`]) otherwise.
    pub struct Extractor<T>(PhantomData<T>);

    impl<T: FromRequest> Extractor<T> {
        /// Whether `T` is [`Path`](super::Path): the gate of a route
        /// attribute's compile-time check of `Path<(A, B)>`.
        pub const IS_PATH: bool = T::IS_PATH;

        /// `T`'s check against its route's pattern.
        pub fn check_route(params: &[&str]) -> Result<(), String> {
            T::check_route(params)
        }
    }

    /// What [`Extractor`] answers for a type that is no extractor.
    pub trait NotAnExtractor {
        /// Not [`Path`](super::Path).
        const IS_PATH: bool = false;

        /// Nothing to check (the type is reported where it is extracted).
        fn check_route(_: &[&str]) -> Result<(), String> {
            Ok(())
        }
    }

    impl<T> NotAnExtractor for Extractor<T> {}
}

/// Runs an HTTP bootstrap: `handler` gets each request with its context
/// and the init state; `shutdown` (`has_shutdown`: a user hook) runs on
/// SIGTERM/SIGINT. `serving` is what the generated `main` found the
/// handler can do under Managed Instances (see [`probe`]).
pub fn start<S, I, K, H, F>(
    init: I,
    shutdown: K,
    has_shutdown: bool,
    handler: H,
    serving: Serving<Http<H>, S>,
) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    H: Fn(Request, Context, &'static S) -> F + 'static,
    F: Future<Output = Response> + 'static,
{
    // Lives as long as the process, like the state, so that the workers of
    // a concurrent loop can share it.
    let handler: &'static H = Box::leak(Box::new(handler));
    start_with(
        init,
        shutdown,
        has_shutdown,
        handler,
        Http(handler),
        serving,
    )
}

/// [`start`] with the handler leaked and what its concurrent loop is built
/// from.
fn start_with<S, I, K, H, F, T>(
    init: I,
    shutdown: K,
    has_shutdown: bool,
    handler: &'static H,
    source: T,
    serving: Serving<T, S>,
) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    H: Fn(Request, Context, &'static S) -> F + 'static,
    F: Future<Output = Response> + 'static,
{
    if !bootstrap::under_lambda() {
        match serve::address_from_command_line() {
            Ok(Some(address)) => {
                return bootstrap::block_on(
                    false,
                    None,
                    serve::run(address, init, shutdown, has_shutdown, adapt!(handler, S)),
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
    let adapted = &*Box::leak(Box::new(adapt!(handler, S)));
    bootstrap::start_as(
        spec,
        serve::LOCAL_MODE,
        init,
        shutdown,
        adapted,
        source,
        serving,
    )
}

/// Not public API: what an HTTP bootstrap's concurrent loop is built from.
#[doc(hidden)]
pub struct Http<H: 'static>(&'static H);

/// Not public API: the probe of an HTTP handler (see
/// the `concurrency` module); requests and responses are always `Send`.
#[doc(hidden)]
pub fn probe<S, H, F, I>(_init: &I, _handler: &H) -> Probe<Request, Response, S, Http<H>, H>
where
    S: 'static,
    I: Init<S>,
    H: Fn(Request, Context, &'static S) -> F,
    F: Future<Output = Response>,
{
    Probe(std::marker::PhantomData)
}

impl<S, H, F> Concurrent<Http<H>, S> for Probe<Request, Response, S, Http<H>, H>
where
    S: Sync + 'static,
    H: Fn(Request, Context, &'static S) -> F + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    fn serving(&self, _: [Option<Why>; 3]) -> Serving<Http<H>, S> {
        Serving(Ok(concurrent_loop::<S, H, F>))
    }
}

/// The concurrent loop of an HTTP bootstrap.
fn concurrent_loop<S, H, F>(http: Http<H>, state: &'static S, parts: Parts) -> Loop
where
    S: Sync + 'static,
    H: Fn(Request, Context, &'static S) -> F + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    bootstrap::concurrent_loop(&*Box::leak(Box::new(adapt!(http.0, S))), state, parts)
}

/// The init error of a router whose routes do not fit their patterns.
pub const ROUTE_ERROR: &str = "Runtime.InvalidRoute";

/// Runs a routed HTTP bootstrap: the generated `main` of `router!`.
/// `add_routes` is a closure so that the compiler knows the state type
/// from `init` before it checks the routes against it.
///
/// The router is built, and each route's extractors checked against its
/// pattern, before anything is served: a misfit fails the bootstrap's init
/// (reported to Lambda as [`ROUTE_ERROR`]; outside Lambda printed, exit
/// status 1) instead of answering every request 400.
pub fn start_router<S, I, K, R>(
    init: I,
    shutdown: K,
    has_shutdown: bool,
    add_routes: R,
    serving: Serving<Routed<S>, S>,
) -> ExitCode
where
    S: 'static,
    I: Init<S>,
    K: Shutdown<S>,
    R: FnOnce(&mut Vec<router::RouteEntry<S>>),
{
    let mut routes = Vec::new();
    add_routes(&mut routes);
    let (router, problem) = match router::Router::new(routes) {
        Ok(router) => (router, None),
        Err(message) if !bootstrap::under_lambda() => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
        // An empty router stands in: init fails, so it never serves.
        Err(message) => (router::Router::empty(), Some(message)),
    };
    // Lives as long as the process, like the state.
    let router = &*Box::leak(Box::new(router));
    let init = move || async move {
        match problem {
            Some(message) => Err(crate::Diagnostic {
                error_type: ROUTE_ERROR.to_owned(),
                error_message: message,
            }),
            None => init.run().await,
        }
    };
    // Concurrent only when every route's future is `Send` too.
    let serving = match router.not_send() {
        Some(function) => Serving::sequential(Why::new("the future of route", function, "Send")),
        None => serving,
    };
    let dispatch: &'static _ = Box::leak(Box::new(
        move |request: Request, context: Context, state: &'static S| {
            router.dispatch(request, context, state)
        },
    ));
    start_with(
        init,
        shutdown,
        has_shutdown,
        dispatch,
        Routed(router),
        serving,
    )
}

/// Not public API: what a router bootstrap's concurrent loop is built from.
#[doc(hidden)]
pub struct Routed<S: 'static>(&'static router::Router<S>);

/// Not public API: the probe of a router's state (its routes are checked
/// when the router is built: see [`start_router`]).
#[doc(hidden)]
pub fn router_probe<S, I>(_init: &I) -> Probe<Request, Response, S, Routed<S>, ()>
where
    S: 'static,
    I: Init<S>,
{
    Probe(std::marker::PhantomData)
}

impl<S: Sync + 'static> Concurrent<Routed<S>, S> for Probe<Request, Response, S, Routed<S>, ()> {
    fn serving(&self, _: [Option<Why>; 3]) -> Serving<Routed<S>, S> {
        Serving(Ok(router_loop::<S>))
    }
}

/// The concurrent loop of a router bootstrap whose routes all are `Send`.
fn router_loop<S: Sync + 'static>(routed: Routed<S>, state: &'static S, parts: Parts) -> Loop {
    let router = routed.0;
    let dispatch = move |request: Request, context: Context, state: &'static S| {
        router.dispatch_send(request, context, state)
    };
    bootstrap::concurrent_loop(&*Box::leak(Box::new(adapt!(dispatch, S))), state, parts)
}

/// The user's handler as the bootstrap's: the event becomes a request (or
/// a 400 when it cannot be one) and the handler runs, all inside the
/// returned future, which the bootstrap polls under the panic guard. A
/// macro, so that the closure's type, and whether its future is `Send`,
/// stay visible to the concurrent loop.
macro_rules! adapt {
    ($handler:expr, $state:ty) => {{
        let handler = $handler;
        // Nothing of the invocation runs before the future is polled.
        move |event: HttpEvent, context: Context, state: &'static $state| async move {
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
            Ok::<_, crate::Diagnostic>(crate::http::response::HttpResponse::new(&origin, response))
        }
    }};
}
use adapt;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::{guard, Handler};

    fn event() -> HttpEvent {
        crate::decode::decode(include_bytes!("../testing/fixtures/http-api-v2.json")).unwrap()
    }

    #[test]
    fn a_handler_that_panics_before_returning_its_future_is_caught_by_the_guard() {
        static STATE: () = ();
        let handler = adapt!(
            &|_: Request, _: Context, _: &'static ()| -> std::future::Ready<Response> {
                panic!("while routing")
            },
            ()
        );
        // Starting the invocation runs nothing of it...
        let future = Handler::call(&handler, event(), Context::default(), &STATE);
        // ...so the panic happens where the guard catches it.
        let outcome = futures_util::FutureExt::now_or_never(guard(future)).unwrap();
        assert_eq!(outcome.unwrap_err().error_message, "while routing");
    }
}
