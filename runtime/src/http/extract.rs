//! Extractors: what a parameter of an HTTP handler takes from the request.
//! A request that does not fit is answered with a 400 (or 415) naming the
//! field and the problem, and never reaches the handler.

use ::http::{header, HeaderMap, Method, StatusCode, Uri};
use lambda_http::RequestExt;
use serde::de::DeserializeOwned;

use super::missing;
use super::path::PathDeserializer;
use super::response::{Location, Rejection};
use super::Request;

/// Something a handler parameter can be built from, given the request.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be taken from an HTTP request",
    label = "not an extractor",
    note = "HTTP handler parameters are `Json<T>`, `Query<T>`, `Path<T>`, `HeaderMap`, `Method`, `Uri`, \
            `Request` (the whole request), `&Context`, or the init state `&State`"
)]
pub trait FromRequest: Sized {
    /// Builds the value, or the response that rejects the request.
    fn from_request(request: &Request) -> Result<Self, Rejection>;

    /// Checks, when the router starts and before any request, that this
    /// extractor fits a route whose pattern has the parameters `params`
    /// (in pattern order). `Err` says what does not fit; the bootstrap then
    /// fails its init naming the route. Extractors that do not read the
    /// path keep the default, which accepts every route.
    fn check_route(params: &[&str]) -> Result<(), String> {
        let _ = params;
        Ok(())
    }

    /// Whether this is [`Path`]: a route attribute gates its compile-time
    /// check of `Path<(A, B)>` against the pattern on it, so that another
    /// extractor spelled the same way is left alone.
    #[doc(hidden)]
    const IS_PATH: bool = false;
}

/// The request body as JSON (`Content-Type: application/json` or `*+json`);
/// as a return value, a JSON response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The query string, decoded into `T` (a struct deriving `Deserialize`;
/// `Option` fields for optional parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

/// The path parameters: from the route pattern (`/items/{id}`) or, for a
/// single handler, from API Gateway's `pathParameters`. `T` is one value
/// when there is one parameter, a tuple in pattern order, or a struct with
/// a field per parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

/// Parameters a router matched, in pattern order.
#[derive(Clone, Debug, Default)]
pub(crate) struct RouteParams(pub Vec<(String, String)>);

impl<T: DeserializeOwned> FromRequest for Json<T> {
    fn from_request(request: &Request) -> Result<Self, Rejection> {
        let body: &[u8] = request.body().as_ref();
        if !is_json(request.headers()) {
            let given = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            let message = match given {
                Some(given) => {
                    format!("header `content-type`: expected `application/json`, got `{given}`")
                }
                None => "header `content-type`: expected `application/json`; the request has none"
                    .to_owned(),
            };
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Location::Header,
                message,
            )
            .field("content-type"));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Rejection::bad_request(
                Location::Body,
                "the request has no body; expected a JSON document",
            ));
        }
        // Parsed untracked first; the path is worked out only to explain a
        // failure.
        match serde_json::from_slice(body) {
            Ok(value) => Ok(Json(value)),
            Err(err) => Err(json_rejection::<T>(body, err)),
        }
    }
}

fn json_rejection<T: DeserializeOwned>(body: &[u8], err: serde_json::Error) -> Rejection {
    use serde_json::error::Category;
    if matches!(
        err.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return Rejection::bad_request(
            Location::Body,
            format!("the body is not valid JSON: {err}"),
        );
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    match missing::deserialize::<_, T>(&mut deserializer) {
        Ok(_) => Rejection::bad_request(Location::Body, err.to_string()),
        Err(failure) => located(Location::Body, "body field", "body", failure),
    }
}

/// A decoding failure at its path, e.g. "query parameter `n`: invalid
/// digit found in string", with the field for the response.
fn located<E: std::fmt::Display>(
    location: Location,
    what: &str,
    whole: &str,
    failure: missing::Failure<E>,
) -> Rejection {
    let path = failure.path.to_string();
    let (field, message) = if path != "." && !path.is_empty() {
        (Some(path), failure.error.to_string())
    } else if let Some(field) = failure.missing {
        (Some(field.to_owned()), "missing".to_owned())
    } else {
        (None, failure.error.to_string())
    };
    let mut rejection = Rejection::bad_request(
        location,
        match &field {
            Some(field) => format!("{what} `{field}`: {message}"),
            None => format!("{whole}: {message}"),
        },
    );
    rejection.field = field;
    rejection
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = media_type(value);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A `Content-Type` value's media type, lower-case and without
/// parameters: `Application/JSON; charset=utf-8` is `application/json`.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    fn from_request(request: &Request) -> Result<Self, Rejection> {
        let query = request.uri().query().unwrap_or("");
        let deserializer =
            || serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        // As for bodies, the failure is explained by a second, tracked pass.
        T::deserialize(deserializer()).map(Query).map_err(|_| {
            match missing::deserialize::<_, T>(deserializer()) {
                Ok(_) => {
                    Rejection::bad_request(Location::Query, "the query string does not decode")
                }
                Err(failure) => {
                    located(Location::Query, "query parameter", "query string", failure)
                }
            }
        })
    }
}

impl<T: DeserializeOwned> FromRequest for Path<T> {
    const IS_PATH: bool = true;

    /// `T`'s shape, read from its `Deserialize` impl without a value: one
    /// value for one parameter, a tuple of as many values as parameters,
    /// or a struct whose fields are the parameters.
    fn check_route(params: &[&str]) -> Result<(), String> {
        super::path::check::<T>(params)
            .map_err(|problem| format!("`Path<{}>` {problem}", super::path::short_type_name::<T>()))
    }

    fn from_request(request: &Request) -> Result<Self, Rejection> {
        let params: Vec<(String, String)> = match request.extensions().get::<RouteParams>() {
            Some(RouteParams(params)) => params.clone(),
            None => request
                .path_parameters_ref()
                .map(|map| {
                    map.iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        T::deserialize(PathDeserializer::new(&params))
            .map(Path)
            .map_err(|err| {
                let mut rejection = Rejection::bad_request(Location::Path, err.message());
                rejection.field = err.field;
                rejection
            })
    }
}

impl FromRequest for HeaderMap {
    fn from_request(request: &Request) -> Result<Self, Rejection> {
        Ok(request.headers().clone())
    }
}

impl FromRequest for Method {
    fn from_request(request: &Request) -> Result<Self, Rejection> {
        Ok(request.method().clone())
    }
}

impl FromRequest for Uri {
    fn from_request(request: &Request) -> Result<Self, Rejection> {
        Ok(request.uri().clone())
    }
}

/// Property tests of query-string decoding (a long run:
/// `PROPTEST_CASES=20000 cargo test -p lambda-kit --features http extract::props`).
#[cfg(test)]
mod props {
    use std::collections::HashMap;

    use lambda_http::Body;
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;
    use crate::http::props::config;

    fn with_query(query: &str) -> Request {
        Request::builder()
            .uri(format!("/p?{query}"))
            .body(Body::Empty)
            .expect("a query string the URI takes")
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Options {
        n: Option<u32>,
        tag: Option<String>,
        flag: Option<bool>,
        list: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Required {
        id: i64,
        kind: String,
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn arbitrary_query_strings_never_panic(
            query in "([!$&'()*+,;=:@/?a-zA-Z0-9._~-]|%|%[0-9a-fA-F]{2}|%ff|%e9|%c3%a9){0,40}",
        ) {
            let request = with_query(&query);
            let _ = Query::<HashMap<String, String>>::from_request(&request);
            let _ = Query::<Vec<(String, String)>>::from_request(&request);
            let _ = Query::<Options>::from_request(&request);
            if let Err(rejection) = Query::<Required>::from_request(&request) {
                prop_assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
                prop_assert_eq!(rejection.location, Location::Query);
            }
        }

        #[test]
        fn encoded_pairs_decode_to_themselves(
            pairs in prop::collection::hash_map(any::<String>(), any::<String>(), 0..6),
            form in any::<bool>(),
        ) {
            // Either spelling clients use: `application/x-www-form-urlencoded`
            // (`+` for spaces) or plain percent-encoding.
            let query = if form {
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&pairs)
                    .finish()
            } else {
                pairs
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}={}",
                            utf8_percent_encode(k, NON_ALPHANUMERIC),
                            utf8_percent_encode(v, NON_ALPHANUMERIC)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            };
            let Query(decoded) = Query::<HashMap<String, String>>::from_request(&with_query(&query))
                .map_err(|r| TestCaseError::fail(r.message))?;
            prop_assert_eq!(decoded, pairs);
        }
    }
}
