//! Routing inside one function: route patterns in API Gateway's syntax
//! (`/items/{id}`, `/files/{path+}`), matched against the request path, the
//! most specific pattern winning; 404 for an unknown path, 405 with `Allow`
//! for a known path and another method.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use ::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::RequestExt;
use lambda_runtime::Context;
use percent_encoding::percent_decode_str;

pub use lambda_kit_core::route::same_route;
use lambda_kit_core::route::{Pattern as CorePattern, Segment};

use super::extract::RouteParams;
use super::response::error_response;
use super::{Request, Response};

/// What a route attribute declares about its function.
pub trait RouteInfo {
    /// The HTTP method, upper case.
    const METHOD: &'static str;
    /// The path pattern, e.g. `/items/{id}`.
    const PATH: &'static str;
    /// The function's name, for messages.
    const FUNCTION: &'static str;
}

/// A route's handler future.
pub type BoxResponse = Pin<Box<dyn Future<Output = Response>>>;

/// A route's handler future that can move between threads, for a router
/// serving invocations concurrently.
pub type SendBoxResponse = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A route's handler whose future is `Send`, living as long as the process.
pub type SendHandler<S> =
    &'static (dyn Fn(Request, Context, &'static S) -> SendBoxResponse + Send + Sync);

/// A route's function, given the router's state type `S`.
#[diagnostic::on_unimplemented(
    message = "route `{Self}` borrows a different `&State` than the router's `init` returns (`{S}`)",
    label = "this route does not take `&{S}`",
    note = "every route of one router borrows the value its `init` returns: `router!(init = setup, ...)` \
            with `fn setup() -> State`; a router without `init` has no state (`()`), so its routes take no `&State`"
)]
pub trait Route<S: 'static>: RouteInfo {
    /// Extracts the parameters, calls the function, builds the response.
    fn handle(request: Request, context: Context, state: &'static S) -> BoxResponse;

    /// The handler boxed as `Send`, when the route's future is `Send` (so
    /// the router can serve invocations concurrently); `None` otherwise.
    fn handle_send() -> Option<SendHandler<S>>;

    /// Checks each parameter's extractor against the pattern's
    /// parameters ([`FromRequest::check_route`](super::FromRequest::check_route)),
    /// when the router is built.
    fn check(params: &[&str]) -> Result<(), String>;
}

/// Not public API: a route's body, asked whether its future is `Send` (see
/// `lambda_kit`'s `concurrency` module for the dispatch). `K` says whether
/// it takes the router's state, `H` is the route type's `async fn`.
#[doc(hidden)]
pub struct RouteProbe<K, H>(H, PhantomData<K>);

/// Not public API: a route body without a state parameter.
#[doc(hidden)]
pub struct Stateless;

/// Not public API: a route body with a state parameter.
#[doc(hidden)]
pub struct Stateful;

impl<H> RouteProbe<Stateless, H> {
    /// The probe of a body taking the request and context.
    pub fn stateless(body: H) -> Self {
        Self(body, PhantomData)
    }
}

impl<H> RouteProbe<Stateful, H> {
    /// The probe of a body taking the request, context and state.
    pub fn stateful(body: H) -> Self {
        Self(body, PhantomData)
    }
}

/// Not public API: chosen when the route's future is `Send`.
#[doc(hidden)]
pub trait RouteSend<S: 'static> {
    /// The route's handler, boxed as `Send`.
    fn handler(&self) -> Option<SendHandler<S>>;
}

impl<S, H, F> RouteSend<S> for RouteProbe<Stateless, H>
where
    S: 'static,
    H: Fn(Request, Context) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    fn handler(&self) -> Option<SendHandler<S>> {
        let body = self.0;
        Some(Box::leak(Box::new(
            move |request: Request, context: Context, _: &'static S| -> SendBoxResponse {
                Box::pin(body(request, context))
            },
        )))
    }
}

impl<S, H, F> RouteSend<S> for RouteProbe<Stateful, H>
where
    S: 'static,
    H: Fn(Request, Context, &'static S) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    fn handler(&self) -> Option<SendHandler<S>> {
        let body = self.0;
        Some(Box::leak(Box::new(
            move |request: Request, context: Context, state: &'static S| -> SendBoxResponse {
                Box::pin(body(request, context, state))
            },
        )))
    }
}

/// Not public API: chosen for every other route (lower priority through
/// autoref): it can only be served one invocation at a time.
#[doc(hidden)]
pub trait RouteAny<S: 'static> {
    /// No `Send` handler.
    fn handler(&self) -> Option<SendHandler<S>>;
}

impl<S: 'static, K, H> RouteAny<S> for &RouteProbe<K, H> {
    fn handler(&self) -> Option<SendHandler<S>> {
        None
    }
}

/// One route of a router, as the generated `main` lists it.
pub struct RouteEntry<S: 'static> {
    method: &'static str,
    path: &'static str,
    function: &'static str,
    handler: fn(Request, Context, &'static S) -> BoxResponse,
    send: Option<SendHandler<S>>,
    check: fn(&[&str]) -> Result<(), String>,
}

impl<S: 'static> RouteEntry<S> {
    /// The entry of route `R`.
    pub fn of<R: Route<S>>() -> Self {
        Self {
            method: R::METHOD,
            path: R::PATH,
            function: R::FUNCTION,
            handler: R::handle,
            send: R::handle_send(),
            check: R::check,
        }
    }
}

/// The entry of route `R`, given after `routes`, whose state type `init`
/// has fixed: a route borrowing another state is then reported by
/// `Route`'s message at that route, not as a type mismatch.
pub fn entry<S: 'static, R: Route<S>>(
    routes: &[RouteEntry<S>],
    route: PhantomData<R>,
) -> RouteEntry<S> {
    let _ = (routes, route);
    RouteEntry::of::<R>()
}

/// A parsed path pattern: the grammar is `lambda_kit_core`'s, shared with
/// the route attributes; matching is the router's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern(CorePattern);

/// Literal segments beat parameters, which beat greedy tails.
fn rank(segment: &Segment) -> u8 {
    match segment {
        Segment::Literal(_) => 2,
        Segment::Param(_) => 1,
        Segment::Greedy(_) => 0,
    }
}

impl Pattern {
    pub(crate) fn parse(pattern: &str) -> Result<Self, String> {
        CorePattern::parse(pattern)
            .map(Self)
            .map_err(|error| format!("route `{pattern}`: {error}"))
    }

    /// The captured parameters when `path` matches.
    fn matches(&self, path: &[&str]) -> Option<Vec<(String, String)>> {
        let mut params = Vec::new();
        for (i, segment) in self.0.segments().iter().enumerate() {
            match segment {
                Segment::Greedy(name) => {
                    let rest = path.get(i..).filter(|rest| !rest.is_empty())?;
                    params.push((name.clone(), decode(&rest.join("/"))));
                    return Some(params);
                }
                Segment::Literal(literal) => {
                    if path.get(i).map(|p| decode(p)) != Some(literal.clone()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let value = path.get(i).filter(|p| !p.is_empty())?;
                    params.push((name.clone(), decode(value)));
                }
            }
        }
        (path.len() == self.0.segments().len()).then_some(params)
    }

    fn ranks(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.segments().iter().map(rank)
    }
}

fn trim_slash(path: &str) -> &str {
    path.strip_suffix('/').unwrap_or(path)
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// One route, as the router matches it.
pub(crate) struct Entry<S: 'static> {
    method: Method,
    pattern: Pattern,
    function: &'static str,
    handler: fn(Request, Context, &'static S) -> BoxResponse,
    send: Option<SendHandler<S>>,
}

/// The routes of one function.
pub(crate) struct Router<S: 'static> {
    entries: Vec<Entry<S>>,
}

/// What a request path and method select.
pub(crate) enum Selected<'r, S: 'static> {
    Route(&'r Entry<S>, RouteParams),
    NotFound,
    MethodNotAllowed(Vec<&'r Method>),
}

impl<S: 'static> Router<S> {
    /// Parses every pattern (a bad one or a conflict is a bug the route
    /// attributes normally catch at compile time) and checks each route's
    /// extractors against its pattern: a `Path<T>` whose `T` does not fit
    /// would answer every request 400. Every misfit is reported, one per
    /// line.
    pub(crate) fn new(routes: Vec<RouteEntry<S>>) -> Result<Self, String> {
        let mut entries: Vec<Entry<S>> = Vec::with_capacity(routes.len());
        let mut misfits = Vec::new();
        for route in routes {
            let method = Method::from_bytes(route.method.as_bytes())
                .map_err(|_| format!("`{}` is not an HTTP method", route.method))?;
            let pattern = Pattern::parse(route.path)?;
            if let Some(other) = entries.iter().find(|e| {
                same_route(
                    e.method.as_str(),
                    &e.pattern.0.to_string(),
                    route.method,
                    route.path,
                )
            }) {
                return Err(format!(
                    "two routes answer {method} {}: {} {}",
                    route.path, other.method, other.pattern.0
                ));
            }
            if let Err(problem) = (route.check)(&pattern.0.params()) {
                misfits.push(format!(
                    "route `{method} {}` (`{}`): {problem}",
                    route.path, route.function
                ));
            }
            entries.push(Entry {
                method,
                pattern,
                function: route.function,
                handler: route.handler,
                send: route.send,
            });
        }
        if !misfits.is_empty() {
            return Err(misfits.join("\n"));
        }
        Ok(Self { entries })
    }

    /// A router without routes.
    pub(crate) fn empty() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    pub(crate) fn select(&self, method: &Method, path: &str) -> Selected<'_, S> {
        let segments: Vec<&str> = match trim_slash(path).strip_prefix('/') {
            Some("") | None if trim_slash(path).is_empty() => Vec::new(),
            Some(rest) => rest.split('/').collect(),
            None => trim_slash(path).split('/').collect(),
        };
        // HEAD is answered by the GET route when there is no HEAD route.
        let wanted = |m: &Method| m == method || (method == Method::HEAD && m == Method::GET);
        let mut best: Option<(&Entry<S>, RouteParams)> = None;
        let mut allowed: Vec<&Method> = Vec::new();
        for entry in &self.entries {
            let Some(params) = entry.pattern.matches(&segments) else {
                continue;
            };
            if !allowed.contains(&&entry.method) {
                allowed.push(&entry.method);
            }
            if !wanted(&entry.method) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((current, _)) => {
                    let by_rank = entry.pattern.ranks().cmp(current.pattern.ranks());
                    by_rank.is_gt() || (by_rank.is_eq() && entry.method == method)
                }
            };
            if better {
                best = Some((entry, RouteParams(params)));
            }
        }
        match best {
            Some((entry, params)) => Selected::Route(entry, params),
            None if allowed.is_empty() => Selected::NotFound,
            None => Selected::MethodNotAllowed(allowed),
        }
    }

    /// Answers one request.
    pub(crate) fn dispatch(
        &self,
        mut request: Request,
        context: Context,
        state: &'static S,
    ) -> BoxResponse {
        match self.route(&mut request) {
            Destination::Route(entry, false) => (entry.handler)(request, context, state),
            Destination::Route(entry, true) => {
                Box::pin(without_body((entry.handler)(request, context, state)))
            }
            Destination::Answer(response) => Box::pin(std::future::ready(response)),
        }
    }

    /// [`dispatch`](Self::dispatch) for a router whose routes all are
    /// `Send` ([`Router::not_send`] is `None`), serving concurrently.
    pub(crate) fn dispatch_send(
        &self,
        mut request: Request,
        context: Context,
        state: &'static S,
    ) -> SendBoxResponse {
        let send = |entry: &Entry<S>| entry.send.expect("every route is `Send`");
        match self.route(&mut request) {
            Destination::Route(entry, false) => send(entry)(request, context, state),
            Destination::Route(entry, true) => {
                Box::pin(without_body(send(entry)(request, context, state)))
            }
            Destination::Answer(response) => Box::pin(std::future::ready(response)),
        }
    }

    /// The first route whose future is not `Send`, by its function's name.
    pub(crate) fn not_send(&self) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|entry| entry.send.is_none())
            .map(|entry| entry.function)
    }

    /// The route a request goes to (its parameters put in the request's
    /// extensions) and whether it is a `HEAD` request; or the 404 or 405
    /// answer.
    fn route(&self, request: &mut Request) -> Destination<'_, S> {
        let path = request.raw_http_path().to_owned();
        let path = if path.is_empty() {
            request.uri().path().to_owned()
        } else {
            path
        };
        match self.select(request.method(), &path) {
            Selected::Route(entry, params) => {
                request.extensions_mut().insert(params);
                Destination::Route(entry, request.method() == Method::HEAD)
            }
            Selected::NotFound => {
                let message = format!("no route for {} {path}", request.method());
                Destination::Answer(error_response(StatusCode::NOT_FOUND, &message))
            }
            Selected::MethodNotAllowed(allowed) => {
                let list: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                let message = format!(
                    "{} is not allowed on {path}; allowed: {}",
                    request.method(),
                    list.join(", ")
                );
                let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, &message);
                if let Ok(value) = HeaderValue::from_str(&list.join(", ")) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                Destination::Answer(response)
            }
        }
    }
}

/// Where [`Router::route`] sends a request.
enum Destination<'r, S: 'static> {
    /// This route; whether the request is a `HEAD`.
    Route(&'r Entry<S>, bool),
    /// No route: this answer (404 or 405).
    Answer(Response),
}

/// A `HEAD` request's answer: the `GET` route's response without its body.
async fn without_body(response: impl Future<Output = Response>) -> Response {
    let mut response = response.await;
    *response.body_mut() = lambda_http::Body::Empty;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: Request, _: Context, _: &'static ()) -> BoxResponse {
        Box::pin(std::future::ready(Response::default()))
    }

    fn entry(method: &'static str, path: &'static str) -> RouteEntry<()> {
        RouteEntry {
            method,
            path,
            function: "nothing",
            handler: nothing,
            send: None,
            check: |_| Ok(()),
        }
    }

    fn router(routes: &[(&'static str, &'static str)]) -> Router<()> {
        Router::new(routes.iter().map(|(m, p)| entry(m, p)).collect()).unwrap()
    }

    /// The pattern `select` picked, by its captured parameters.
    fn params(router: &Router<()>, method: &str, path: &str) -> Option<Vec<(String, String)>> {
        match router.select(&Method::from_bytes(method.as_bytes()).unwrap(), path) {
            Selected::Route(_, RouteParams(params)) => Some(params),
            _ => None,
        }
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let r = router(&[
            ("GET", "/items/{id}"),
            ("GET", "/items/new"),
            ("GET", "/items/{id}/{rest+}"),
            ("GET", "/{any+}"),
        ]);
        assert_eq!(params(&r, "GET", "/items/new"), Some(vec![]));
        assert_eq!(params(&r, "GET", "/items/7"), Some(vec![pair("id", "7")]));
        assert_eq!(params(&r, "GET", "/items/7/"), Some(vec![pair("id", "7")]));
        assert_eq!(
            params(&r, "GET", "/items/7/a/b%20c"),
            Some(vec![pair("id", "7"), pair("rest", "a/b c")])
        );
        assert_eq!(
            params(&r, "GET", "/other/x"),
            Some(vec![pair("any", "other/x")])
        );
        assert_eq!(
            params(&r, "GET", "/items/a%2Fb"),
            Some(vec![pair("id", "a/b")]),
            "an encoded slash stays inside its segment"
        );
    }

    #[test]
    fn unknown_paths_and_methods() {
        let r = router(&[
            ("GET", "/items"),
            ("POST", "/items"),
            ("DELETE", "/items/{id}"),
        ]);
        assert!(matches!(
            r.select(&Method::GET, "/nope"),
            Selected::NotFound
        ));
        assert!(matches!(
            r.select(&Method::GET, "/items/1/2"),
            Selected::NotFound
        ));
        match r.select(&Method::PUT, "/items") {
            Selected::MethodNotAllowed(allowed) => {
                assert_eq!(allowed, vec![&Method::GET, &Method::POST]);
            }
            _ => panic!("expected 405"),
        }
        // HEAD is served by GET.
        assert!(matches!(
            r.select(&Method::HEAD, "/items"),
            Selected::Route(..)
        ));
        assert!(matches!(
            r.select(&Method::HEAD, "/items/1"),
            Selected::MethodNotAllowed(_)
        ));
    }

    #[test]
    fn conflicting_routes_are_refused() {
        let err = Router::new(vec![entry("GET", "/a/{x}"), entry("GET", "/a/{y}/")])
            .err()
            .unwrap();
        assert!(err.contains("two routes answer GET /a/{y}/"), "{err}");
        assert!(Router::new(vec![entry("GET", "/a/{x}"), entry("POST", "/a/{y}")]).is_ok());
        assert!(Router::new(vec![entry("GE T", "/")]).is_err());
        // The grammar is lambda_kit_core's (tested there); its errors reach here.
        let err = Router::new(vec![entry("GET", "/a//b")]).err().unwrap();
        assert!(
            err.contains("route `/a//b`") && err.contains("empty segment"),
            "{err}"
        );
    }

    #[test]
    fn extractors_that_do_not_fit_their_pattern_are_refused_naming_the_route() {
        use crate::http::{FromRequest, Path};

        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct ItemPath {
            shop: String,
            item_id: u64,
        }

        let with = |method, path, function, check| RouteEntry {
            send: None,
            method,
            path,
            function,
            handler: nothing,
            check,
        };
        let routes = || {
            vec![
                with(
                    "GET",
                    "/items/{id}",
                    "show",
                    <Path<u64> as FromRequest>::check_route,
                ),
                with(
                    "PUT",
                    "/items/{id}",
                    "replace",
                    <Path<(String, u32)> as FromRequest>::check_route,
                ),
                with(
                    "GET",
                    "/shops/{shop}/items/{id}",
                    "item",
                    <Path<ItemPath> as FromRequest>::check_route,
                ),
            ]
        };
        let err = Router::new(routes()).err().unwrap();
        assert_eq!(
            err.lines().collect::<Vec<_>>(),
            [
                "route `PUT /items/{id}` (`replace`): `Path<(String, u32)>` takes a tuple of 2 \
                 but the pattern has 1 parameter (`id`): take the one value, e.g. `Path<u64>`",
                "route `GET /shops/{shop}/items/{id}` (`item`): `Path<ItemPath>` has the fields \
                 `shop`, `item_id` but the pattern has 2 parameters (`shop`, `id`) \
                 (field `item_id` is not a parameter; parameter `id` has no field): \
                 name the fields after the parameters (or `#[serde(rename = \"...\")]` them), \
                 or change the pattern",
            ]
        );
        let fitting = routes().into_iter().take(1).collect();
        assert!(Router::new(fitting).is_ok());
    }

    /// Property tests of matching and `Path` extraction (a long run:
    /// `PROPTEST_CASES=20000 cargo test -p lambda-kit --features http router::tests::props`).
    mod props {
        use super::*;
        use crate::http::path::PathDeserializer;
        use crate::http::props::config;
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        use proptest::prelude::*;
        use serde::Deserialize;

        #[derive(Clone, Debug)]
        enum Part {
            Literal(String),
            Param(String),
        }

        /// Literal and parameter segments (with the parameter's value),
        /// and maybe a greedy tail's segments.
        #[allow(clippy::type_complexity)]
        fn pattern_and_values() -> impl Strategy<Value = (Vec<Part>, Option<Vec<String>>)> {
            let part = prop_oneof![
                "[a-z]{1,6}".prop_map(Part::Literal),
                any::<String>()
                    .prop_filter("a value", |v| !v.is_empty())
                    .prop_map(Part::Param),
            ];
            let tail = prop::option::of(prop::collection::vec(
                any::<String>().prop_filter("a segment", |v| !v.is_empty()),
                1..4,
            ));
            (prop::collection::vec(part, 0..5), tail)
        }

        fn router_of(pattern: &str) -> Router<()> {
            let pattern: &'static str = Box::leak(pattern.to_owned().into_boxed_str());
            router(&[("GET", pattern)])
        }

        proptest! {
            #![proptest_config(config(256))]

            #[test]
            fn generated_paths_match_and_extract_their_values_decoded(
                (parts, tail) in pattern_and_values(),
                trailing_slash in any::<bool>(),
            ) {
                let mut pattern = String::new();
                let mut path = String::new();
                let mut values = Vec::new();
                for part in &parts {
                    match part {
                        Part::Literal(literal) => {
                            pattern.push_str(&format!("/{literal}"));
                            path.push_str(&format!("/{literal}"));
                        }
                        Part::Param(value) => {
                            pattern.push_str(&format!("/{{p{}}}", values.len()));
                            // `/` included: an encoded slash stays in its segment.
                            path.push('/');
                            path.extend(utf8_percent_encode(value, NON_ALPHANUMERIC));
                            values.push(value.clone());
                        }
                    }
                }
                if let Some(tail) = &tail {
                    pattern.push_str("/{rest+}");
                    for segment in tail {
                        path.push('/');
                        path.extend(utf8_percent_encode(segment, NON_ALPHANUMERIC));
                    }
                    values.push(tail.join("/"));
                }
                if pattern.is_empty() {
                    pattern.push('/');
                }
                if trailing_slash || path.is_empty() {
                    path.push('/');
                }
                let router = router_of(&pattern);
                let found = params(&router, "GET", &path);
                prop_assert!(found.is_some(), "{} does not match {}", path, pattern);
                let found = found.unwrap();
                let extracted: Vec<&str> = found.iter().map(|(_, v)| v.as_str()).collect();
                prop_assert_eq!(&extracted, &values);
                // `Path<Vec<String>>` sees the same values in pattern order.
                let via_path = Vec::<String>::deserialize(PathDeserializer::new(&found));
                prop_assert_eq!(via_path.ok(), Some(values));
            }

            #[test]
            fn arbitrary_paths_never_panic(
                path in prop_oneof![
                    any::<String>(),
                    "(/|%|%2F|%ff|%e9|\\.\\.|items|new|7|é|\\{id\\}|\\+|\u{0}){0,12}",
                ],
                method in prop::sample::select(vec!["GET", "HEAD", "POST", "DELETE", "PATCH"]),
            ) {
                let r = router(&[
                    ("GET", "/"),
                    ("GET", "/items/{id}"),
                    ("GET", "/items/new"),
                    ("POST", "/items/{id}/{rest+}"),
                    ("DELETE", "/{any+}"),
                ]);
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                if let Selected::Route(_, RouteParams(found)) = r.select(&method, &path) {
                    let _ = <(String,)>::deserialize(PathDeserializer::new(&found));
                    let _ = i64::deserialize(PathDeserializer::new(&found));
                    let _ = std::collections::HashMap::<String, String>::deserialize(
                        PathDeserializer::new(&found),
                    );
                }
            }
        }
    }
}
