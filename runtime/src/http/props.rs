//! Property tests of what the HTTP sources hand a bootstrap: arbitrary
//! strings (control characters, non-ASCII, quotes, URI delimiters, very
//! long ones) in every string field of each source's event, decoded from
//! the bytes exactly as a bootstrap decodes them and answered by the
//! adapted handler under the panic guard. No panic may escape, and the
//! answer is always a response in the source's shape.
//!
//! Each suite runs a few hundred cases by default, in a few seconds. For a
//! long run set proptest's own variable:
//! `PROPTEST_CASES=20000 cargo test -p lambda-kit --features http props`.

use std::collections::HashMap;

use lambda_runtime::Context;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::Value;

use super::event::HttpEvent;
use super::response::HttpResponse;
use super::{__private, adapt, HeaderMap, Json, Path, Query, Request, Response};
use crate::invoke::{guard, Handler};

/// `cases` unless `PROPTEST_CASES` says otherwise.
pub(crate) fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// The four sources' events, as recorded from the services.
const FIXTURES: [(Shape, &str); 4] = [
    (
        Shape::V1,
        include_str!("../testing/fixtures/rest-api-v1.json"),
    ),
    (
        Shape::V2,
        include_str!("../testing/fixtures/http-api-v2.json"),
    ),
    (Shape::Alb, include_str!("../testing/fixtures/alb.json")),
    (
        Shape::V2,
        include_str!("../testing/fixtures/function-url.json"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    V1,
    V2,
    Alb,
}

/// Fields the conversion reads that a fixture may not carry, by source.
fn extra_fields(shape: Shape) -> &'static [&'static str] {
    match shape {
        Shape::V1 => &[
            "/httpMethod",
            "/path",
            "/resource",
            "/body",
            "/headers/host",
            "/headers/x-forwarded-proto",
            "/multiValueHeaders/host/0",
            "/queryStringParameters/q",
            "/multiValueQueryStringParameters/q/0",
            "/pathParameters/proxy",
            "/stageVariables/s",
            "/requestContext/stage",
            "/requestContext/domainName",
            "/requestContext/path",
        ],
        Shape::V2 => &[
            "/rawPath",
            "/rawQueryString",
            "/body",
            "/cookies/0",
            "/headers/host",
            "/headers/x-forwarded-proto",
            "/queryStringParameters/q",
            "/pathParameters/proxy",
            "/requestContext/http/method",
            "/requestContext/http/path",
            "/requestContext/stage",
            "/requestContext/domainName",
        ],
        Shape::Alb => &[
            "/httpMethod",
            "/path",
            "/body",
            "/headers/host",
            "/headers/x-forwarded-proto",
            "/multiValueHeaders/host/0",
            "/queryStringParameters/q",
            "/multiValueQueryStringParameters/q/0",
        ],
    }
}

/// Maps whose keys are the client's too.
const KEYED: [&str; 6] = [
    "/headers",
    "/multiValueHeaders",
    "/queryStringParameters",
    "/multiValueQueryStringParameters",
    "/pathParameters",
    "/stageVariables",
];

/// JSON pointers of every string in `value`.
fn string_leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                string_leaves(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                string_leaves(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// Sets the string at `pointer`, creating what is missing on the way (an
/// array where the next step is `0`).
fn set(event: &mut Value, pointer: &str, text: &str) {
    let steps: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut at = event;
    for (i, step) in steps.iter().enumerate() {
        let next_is_index = steps.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok());
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Default::default())
            }
        };
        at = match at {
            Value::Array(items) => {
                let index = step.parse::<usize>().unwrap_or(0).min(items.len());
                if index == items.len() {
                    items.push(fresh());
                }
                &mut items[index]
            }
            other => {
                if !other.is_object() {
                    *other = Value::Object(Default::default());
                }
                other
                    .as_object_mut()
                    .expect("an object")
                    .entry(step.clone())
                    .or_insert_with(fresh)
            }
        };
    }
    *at = Value::from(text);
}

/// Strings a client may send: anything, weighted towards what URIs,
/// headers and base64 treat specially, and now and then a very long one.
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\"",
        "<",
        ">",
        " ",
        "\t",
        "\r\n",
        "\u{0}",
        "\u{7f}",
        "%",
        "%zz",
        "%2F",
        "%ff",
        "#",
        "?",
        ":",
        ":80x",
        "@",
        "[",
        "]",
        "{",
        "}",
        "|",
        "\\",
        "^",
        "`",
        "/",
        "//",
        "..",
        "*",
        "é",
        "日本",
        "a",
        "Z",
        "0",
        "=",
        "&",
        ";",
        ",",
        "+",
        "==",
        "$default",
        "https",
        "http",
        "GET",
        "xn--",
        "XN--a",
        ".",
        "1.2.3.999",
        "0x1g",
        "-",
    ]);
    prop_oneof![
        3 => any::<String>(),
        2 => "[\\x00-\\x7f]{0,24}",
        4 => prop::collection::vec(pieces, 0..8).prop_map(|p| p.concat()),
        1 => (1_usize..=3).prop_map(|n| format!("/{}", "a/".repeat(n * 12_000))),
    ]
}

/// One case: strings set at (selectors of) fields and entries added to the
/// client's maps; `base64` set when `Some`.
#[derive(Debug, Clone)]
struct Mutation {
    fields: Vec<(usize, String)>,
    entries: Vec<(usize, String, String)>,
    base64: Option<bool>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((any::<usize>(), hostile()), 1..6),
        prop::collection::vec((any::<usize>(), hostile(), hostile()), 0..3),
        any::<Option<bool>>(),
    )
        .prop_map(|(fields, entries, base64)| Mutation {
            fields,
            entries,
            base64,
        })
}

fn mutated(fixture: &str, shape: Shape, mutation: &Mutation) -> Value {
    let mut event: Value = serde_json::from_str(fixture).expect("fixture is JSON");
    let mut fields = Vec::new();
    string_leaves(&event, String::new(), &mut fields);
    fields.extend(extra_fields(shape).iter().map(|f| (*f).to_owned()));
    for (selector, text) in &mutation.fields {
        set(&mut event, &fields[selector % fields.len()], text);
    }
    for (selector, key, text) in &mutation.entries {
        let map = KEYED[selector % KEYED.len()];
        let multi = map.starts_with("/multiValue");
        let key = key.replace('~', "~0").replace('/', "~1");
        let pointer = if multi {
            format!("{map}/{key}/0")
        } else {
            format!("{map}/{key}")
        };
        set(&mut event, &pointer, text);
    }
    if let Some(base64) = mutation.base64 {
        event["isBase64Encoded"] = Value::from(base64);
    }
    event
}

/// What a generated handler does: every extractor, rejections answered.
async fn extracting(request: Request) -> Response {
    let query = __private::extract::<Query<HashMap<String, String>>>(&request);
    let path = __private::extract::<Path<HashMap<String, String>>>(&request);
    let json = __private::extract::<Json<Value>>(&request);
    let headers = __private::extract::<HeaderMap>(&request);
    match (query, path, json, headers) {
        (Ok(_), Ok(_), Ok(_), Ok(_)) => __private::respond("ok"),
        (Err(rejection), ..) | (_, Err(rejection), ..) | (_, _, Err(rejection), _) => {
            __private::reject(rejection)
        }
        (_, _, _, Err(rejection)) => __private::reject(rejection),
    }
}

/// The event's bytes through the bootstrap's decoding and the adapted
/// handler under the guard, as one invocation.
fn answer(event: &Value) -> Result<HttpResponse, String> {
    static STATE: () = ();
    let bytes = serde_json::to_vec(event).expect("JSON");
    let event: HttpEvent = crate::decode::decode(&bytes)
        .map_err(|err| format!("not decoded: {}", err.error_message))?;
    let handler = adapt!(
        &|request: Request, _: Context, _: &'static ()| extracting(request),
        ()
    );
    let future = guard(Handler::call(&handler, event, Context::default(), &STATE));
    futures_util::FutureExt::now_or_never(future)
        .ok_or("the handler did not finish")?
        .map_err(|err| format!("{}: {}", err.error_type, err.error_message))
}

fn check(shape: Shape, event: &Value) -> Result<(), TestCaseError> {
    let response = answer(event).map_err(TestCaseError::fail)?;
    let (status, body) = match (&response, shape) {
        (HttpResponse::V1(r), Shape::V1) => (r.status_code, &r.body),
        (HttpResponse::V2(r), Shape::V2) => (r.status_code, &r.body),
        (HttpResponse::Alb(r), Shape::Alb) => {
            prop_assert!(r.status_description.is_some());
            (r.status_code, &r.body)
        }
        (other, _) => {
            return Err(TestCaseError::fail(format!(
                "a {shape:?} event answered in another shape: {other:?}"
            )))
        }
    };
    prop_assert!((200..600).contains(&status), "status {}", status);
    if status == 400 {
        let text = body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned());
        let json: Value = serde_json::from_str(text.as_deref().unwrap_or_default())
            .map_err(|err| TestCaseError::fail(format!("400 body is not JSON: {err}")))?;
        let message = json["message"].as_str().unwrap_or_default();
        prop_assert_eq!(&json["error"], "Bad Request");
        prop_assert!(!message.is_empty());
        // Every input found so far has a precise reason; the backstops are
        // for what nobody foresaw, and a case reaching one is worth a look.
        prop_assert!(
            !message.contains("cannot be turned into an HTTP request"),
            "the conversion panicked: {}",
            message
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn rest_api_events_are_always_answered(m in mutation()) {
        let (shape, fixture) = FIXTURES[0];
        check(shape, &mutated(fixture, shape, &m))?;
    }

    #[test]
    fn http_api_events_are_always_answered(m in mutation()) {
        let (shape, fixture) = FIXTURES[1];
        check(shape, &mutated(fixture, shape, &m))?;
    }

    #[test]
    fn alb_events_are_always_answered(m in mutation()) {
        let (shape, fixture) = FIXTURES[2];
        check(shape, &mutated(fixture, shape, &m))?;
    }

    #[test]
    fn function_url_events_are_always_answered(m in mutation()) {
        let (shape, fixture) = FIXTURES[3];
        check(shape, &mutated(fixture, shape, &m))?;
    }
}

#[test]
fn the_recorded_events_are_answered_in_their_shape() {
    for (shape, fixture) in FIXTURES {
        check(shape, &serde_json::from_str(fixture).unwrap()).unwrap();
    }
}
