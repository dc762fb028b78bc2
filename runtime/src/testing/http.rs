//! HTTP events of every source Lambda delivers (REST API v1, HTTP API v2,
//! ALB, Function URL), built from real events, and their responses read
//! back into one shape, so a test can run each request behind all four.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use lambda_kit::testing::http::{Reply, Req, SOURCES};
//! use lambda_kit::testing::Function;
//!
//! // In an integration test: `env!("CARGO_BIN_EXE_<name>")`.
//! let mut function = Function::spawn("target/debug/api_hello").await?;
//! for source in SOURCES {
//!     let request = Req::new("GET", "/hello").query("name", "Ada");
//!     let response = function.invoke(&request.event(source)).await?.expect("a response");
//!     let reply = Reply::read(source, &response);
//!     assert_eq!(reply.status, 200);
//! }
//! # Ok(()) }
//! ```

use serde_json::{json, Map, Value};

use crate::http::payload::{self, body_value, V2Request, V2Response};

/// Where an event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API (payload v1), as for a `{proxy+}` resource.
    RestApi,
    /// API Gateway HTTP API (payload v2).
    HttpApi,
    /// Application Load Balancer target group, multi-value headers on.
    Alb,
    /// Lambda Function URL (payload v2).
    FunctionUrl,
}

/// Every source, to run a request behind each.
pub const SOURCES: [Source; 4] = [
    Source::RestApi,
    Source::HttpApi,
    Source::Alb,
    Source::FunctionUrl,
];

/// A request to send.
#[derive(Clone, Debug, Default)]
pub struct Req {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The path, without the query string.
    pub path: String,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// `name=value` cookies.
    pub cookies: Vec<String>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// Whether the body is sent base64-encoded.
    pub base64: bool,
}

impl Req {
    /// A request without query, headers or body.
    pub fn new(method: &'static str, path: &str) -> Self {
        Req {
            method,
            path: path.to_owned(),
            ..Req::default()
        }
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a cookie (`name=value`).
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookies.push(cookie.to_owned());
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string().as_bytes())
    }

    /// Sets the body.
    pub fn body(mut self, body: &[u8]) -> Self {
        self.body = Some(body.to_vec());
        self
    }

    /// Sends the body base64-encoded, as the sources do for binary bodies.
    pub fn base64(mut self) -> Self {
        self.base64 = true;
        self
    }

    /// The event `source` would send for this request.
    pub fn event(&self, source: Source) -> Value {
        let fixture = match source {
            Source::RestApi => include_str!("fixtures/rest-api-v1.json"),
            Source::HttpApi => include_str!("fixtures/http-api-v2.json"),
            Source::Alb => include_str!("fixtures/alb.json"),
            Source::FunctionUrl => include_str!("fixtures/function-url.json"),
        };
        let mut event: Value = serde_json::from_str(fixture).expect("fixture is JSON");
        let raw_query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish();
        event["body"] = body_value(self.body.as_deref(), self.base64);
        event["isBase64Encoded"] = Value::from(self.base64);
        match source {
            Source::RestApi | Source::Alb => {
                let mut single = Map::new();
                let mut multi = Map::new();
                for (name, value) in &self.headers {
                    single.insert(name.clone(), Value::from(value.as_str()));
                    push(&mut multi, name, value);
                }
                if !self.cookies.is_empty() {
                    let cookie = self.cookies.join("; ");
                    single.insert("cookie".into(), Value::from(cookie.as_str()));
                    push(&mut multi, "cookie", &cookie);
                }
                let mut single_query = Map::new();
                let mut multi_query = Map::new();
                for (name, value) in &self.query {
                    // ALB passes query values as they were sent (encoded).
                    let value = if source == Source::Alb {
                        form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                    } else {
                        value.clone()
                    };
                    single_query.insert(name.clone(), Value::from(value.as_str()));
                    push(&mut multi_query, name, &value);
                }
                event["httpMethod"] = Value::from(self.method);
                event["path"] = Value::from(self.path.as_str());
                if source == Source::Alb {
                    // A target group with multi-value headers on.
                    event["multiValueHeaders"] = Value::from(multi);
                    event["multiValueQueryStringParameters"] = Value::from(multi_query);
                } else {
                    event["headers"] = Value::from(single);
                    event["multiValueHeaders"] = Value::from(multi);
                    event["queryStringParameters"] = Value::from(single_query);
                    event["multiValueQueryStringParameters"] = Value::from(multi_query);
                    event["pathParameters"] = json!({"proxy": self.path.trim_start_matches('/')});
                    event["requestContext"]["httpMethod"] = Value::from(self.method);
                    event["requestContext"]["path"] =
                        Value::from(format!("/testStage{}", self.path));
                }
            }
            Source::HttpApi | Source::FunctionUrl => V2Request {
                method: self.method,
                path: &self.path,
                raw_query: &raw_query,
                headers: self
                    .headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect(),
                cookies: self.cookies.iter().map(String::as_str).collect(),
                body: self.body.as_deref(),
                base64: self.base64,
            }
            .fill(&mut event),
        }
        event
    }
}

fn push(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::Array(values)) => values.push(Value::from(value)),
        _ => {
            map.insert(name.to_owned(), json!([value]));
        }
    }
}

/// A response, whatever its source's JSON shape.
#[derive(Debug, PartialEq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Lower-case names; every value of repeated headers.
    pub headers: Vec<(String, String)>,
    /// `Set-Cookie` values (the `cookies` field of payload v2).
    pub cookies: Vec<String>,
    /// The body, base64-decoded when it was sent encoded.
    pub body: Vec<u8>,
}

impl Reply {
    /// Reads the function's JSON answer, checking it has the fields its
    /// source expects.
    pub fn read(source: Source, response: &Value) -> Reply {
        if matches!(source, Source::HttpApi | Source::FunctionUrl) {
            let read = V2Response::read(response).unwrap_or_else(|problem| panic!("{problem}"));
            return Reply {
                status: read.status,
                headers: read.headers,
                cookies: read.cookies,
                body: read.body,
            };
        }
        let status = payload::status(response).unwrap_or_else(|problem| panic!("{problem}"));
        if source == Source::Alb {
            assert!(
                response["statusDescription"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(&status.to_string())),
                "ALB responses need a statusDescription: {response}"
            );
        }
        let mut headers = Vec::new();
        for (name, values) in response["multiValueHeaders"]
            .as_object()
            .expect("multiValueHeaders")
        {
            for value in values.as_array().expect("a list of values") {
                headers.push((
                    name.to_ascii_lowercase(),
                    value.as_str().unwrap().to_owned(),
                ));
            }
        }
        let cookies = headers
            .iter()
            .filter(|(name, _)| name == "set-cookie")
            .map(|(_, value)| value.clone())
            .collect();
        headers.retain(|(name, _)| name != "set-cookie");
        Reply {
            status,
            headers,
            cookies,
            body: payload::body(response).unwrap_or_else(|problem| panic!("{problem}")),
        }
    }

    /// The first value of a header (lower-case name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "body is not JSON ({err}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}
