//! Payload v2 (HTTP APIs, Function URLs) as JSON: the request fields of the
//! event and the response read back. `--serve` and `lambda_kit::testing::http`
//! both speak it, so there is one implementation of each direction.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{Map, Value};

/// A request to write into a payload-v2 event.
pub(crate) struct V2Request<'a> {
    pub method: &'a str,
    /// Without the query string.
    pub path: &'a str,
    /// Still encoded, without the `?`.
    pub raw_query: &'a str,
    /// Names and values in order; `cookie` headers go in `cookies`.
    pub headers: Vec<(&'a str, &'a str)>,
    /// `name=value` pairs.
    pub cookies: Vec<&'a str>,
    pub body: Option<&'a [u8]>,
    /// Send the body base64-encoded (as the services do for binary bodies).
    pub base64: bool,
}

impl V2Request<'_> {
    /// Sets the request's fields of `event`, keeping the rest (the request
    /// context a caller or a recorded event provides).
    pub(crate) fn fill(&self, event: &mut Value) {
        event["rawPath"] = Value::from(self.path);
        event["rawQueryString"] = Value::from(self.raw_query);
        event["headers"] = Value::from(joined(self.headers.iter().copied()));
        let query = joined(form_urlencoded::parse(self.raw_query.as_bytes()));
        event["queryStringParameters"] = non_empty(query);
        event["cookies"] = if self.cookies.is_empty() {
            Value::Null
        } else {
            Value::from(self.cookies.clone())
        };
        event["requestContext"]["http"]["method"] = Value::from(self.method);
        event["requestContext"]["http"]["path"] = Value::from(self.path);
        event["body"] = body_value(self.body, self.base64);
        event["isBase64Encoded"] = Value::from(self.base64);
    }
}

/// A request body as every source's `body` field carries it.
pub(crate) fn body_value(body: Option<&[u8]>, base64: bool) -> Value {
    match body {
        None => Value::Null,
        Some(bytes) if base64 => Value::from(BASE64.encode(bytes)),
        Some(bytes) => Value::from(String::from_utf8_lossy(bytes)),
    }
}

/// Repeated names arrive joined by commas, as the services send them.
fn joined<K: AsRef<str>, V: AsRef<str>>(pairs: impl Iterator<Item = (K, V)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        match map.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                map.insert(name.to_owned(), Value::from(value));
            }
        }
    }
    map
}

fn non_empty(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::from(map)
    }
}

/// A payload-v2 response, read from the function's JSON answer.
#[derive(Debug)]
pub(crate) struct V2Response {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
    pub body: Vec<u8>,
}

impl V2Response {
    /// `Err` names the field that is missing or malformed.
    pub(crate) fn read(response: &Value) -> Result<Self, String> {
        let status = status(response)?;
        let mut headers = Vec::new();
        let map = response["headers"]
            .as_object()
            .ok_or_else(|| format!("no headers object in {response}"))?;
        for (name, value) in map {
            let value = value
                .as_str()
                .ok_or_else(|| format!("header `{name}` is not a string"))?;
            headers.push((name.to_ascii_lowercase(), value.to_owned()));
        }
        let cookies = match &response["cookies"] {
            Value::Null => Vec::new(),
            Value::Array(list) => list
                .iter()
                .map(|c| c.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or("cookies are not strings")?,
            other => return Err(format!("cookies is not a list: {other}")),
        };
        Ok(V2Response {
            status,
            headers,
            cookies,
            body: body(response)?,
        })
    }
}

/// `statusCode` of any source's response.
pub(crate) fn status(response: &Value) -> Result<u16, String> {
    response["statusCode"]
        .as_u64()
        .and_then(|code| u16::try_from(code).ok())
        .ok_or_else(|| format!("no statusCode in {response}"))
}

/// The body of any source's response, base64-decoded when it was sent
/// encoded.
pub(crate) fn body(response: &Value) -> Result<Vec<u8>, String> {
    match response["body"].as_str() {
        None => Ok(Vec::new()),
        Some(text) if response["isBase64Encoded"].as_bool() == Some(true) => BASE64
            .decode(text)
            .map_err(|err| format!("the body is not base64: {err}")),
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_join_repeated_names() {
        let mut event = json!({"requestContext": {"http": {}}});
        V2Request {
            method: "POST",
            path: "/a",
            raw_query: "x=1&x=2&y=a%20b",
            headers: vec![("accept", "a"), ("accept", "b")],
            cookies: vec!["k=v"],
            body: Some(b"\x00\x01"),
            base64: true,
        }
        .fill(&mut event);
        assert_eq!(
            event["queryStringParameters"],
            json!({"x": "1,2", "y": "a b"})
        );
        assert_eq!(event["headers"], json!({"accept": "a,b"}));
        assert_eq!(event["cookies"], json!(["k=v"]));
        assert_eq!(event["body"], json!("AAE="));
        assert_eq!(event["requestContext"]["http"]["method"], json!("POST"));
    }

    #[test]
    fn responses_read_back() {
        let response = json!({
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain"},
            "cookies": ["a=1"],
            "body": "aGk=",
            "isBase64Encoded": true,
        });
        let read = V2Response::read(&response).unwrap();
        assert_eq!(read.status, 201);
        assert_eq!(
            read.headers,
            [("content-type".to_owned(), "text/plain".to_owned())]
        );
        assert_eq!(read.cookies, ["a=1"]);
        assert_eq!(read.body, b"hi");
        assert!(V2Response::read(&json!({"headers": {}})).is_err());
    }
}
