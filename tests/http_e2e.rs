//! HTTP handlers end to end: the compiled routed bootstrap
//! (tests/bootstraps/http_fixture.rs) and the `api_hello` example, driven
//! through the Runtime API emulator with the events of every HTTP source
//! (REST API v1, HTTP API v2, ALB, Function URL), and the local server
//! answering real HTTP requests.

mod example_bins;
use example_bins::{run_locally, Example};

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use lambda_kit::testing::http::{Reply, Req, Source, SOURCES};
use lambda_kit::testing::Function;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

const FIXTURE: &str = env!("CARGO_BIN_EXE_http_fixture");
const API_HELLO: Example = Example("api_hello");
const SINGLE: &str = env!("CARGO_BIN_EXE_http_single");
const PATH_MISMATCH: &str = env!("CARGO_BIN_EXE_http_path_mismatch");

/// The bytes `GET /binary` answers: not UTF-8.
const BYTES: [u8; 6] = [0x89, b'P', b'N', b'G', 0xff, 0x00];

async fn send(function: &mut Function, source: Source, req: &Req) -> Reply {
    let response = raw(function, source, req).await;
    Reply::read(source, &response)
}

async fn raw(function: &mut Function, source: Source, req: &Req) -> Value {
    match function
        .invoke(&req.event(source))
        .await
        .expect("the function answers")
    {
        Ok(response) => response,
        Err(error) => panic!(
            "{source:?} {} {}: invocation error {error:?}",
            req.method, req.path
        ),
    }
}

async fn fixture() -> Function {
    Function::spawn(FIXTURE).await.expect("the fixture starts")
}

#[tokio::test]
async fn extractors_read_path_query_and_headers_behind_every_source() {
    let mut function = fixture().await;
    for source in SOURCES {
        let req = Req::new("GET", "/echo/42")
            .query("n", "3")
            .query("tag", "a b&c")
            .query("flag", "true")
            .header("x-custom", "yes");
        let reply = send(&mut function, source, &req).await;
        assert_eq!(reply.status, 200, "{source:?}: {reply:?}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{source:?}"
        );
        assert_eq!(
            reply.json(),
            json!({"id": 42, "n": 3, "tag": "a b&c", "flag": true, "method": "GET", "x-custom": "yes"}),
            "{source:?}"
        );
        // Optional query parameters may be absent.
        let reply = send(&mut function, source, &Req::new("GET", "/echo/-1")).await;
        assert_eq!(
            reply.json(),
            json!({"id": -1, "n": null, "tag": null, "flag": null, "method": "GET", "x-custom": null}),
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn json_bodies_statuses_headers_and_state() {
    let mut function = fixture().await;
    for (i, source) in SOURCES.into_iter().enumerate() {
        let req = Req::new("POST", "/things").json(&json!({"name": "pear", "qty": 2}));
        let reply = send(&mut function, source, &req).await;
        assert_eq!(reply.status, 201, "{source:?}: {reply:?}");
        assert_eq!(reply.header("location"), Some("/things/pear"), "{source:?}");
        assert_eq!(
            reply.json(),
            json!({"thing": {"name": "pear", "qty": 2, "tags": []}, "created": 2 * i + 1}),
            "{source:?}: the init state lives across invocations"
        );
        // A charset parameter or a `+json` type is still JSON.
        let req = Req::new("POST", "/things")
            .header("content-type", "application/vnd.api+json; charset=utf-8")
            .body(br#"{"name": "fig", "qty": 1}"#);
        assert_eq!(
            send(&mut function, source, &req).await.status,
            201,
            "{source:?}"
        );
    }
}

/// `(status, location, field, message)` of a rejection, checking its JSON
/// shape.
fn rejection(reply: &Reply) -> (u16, String, Option<String>, String) {
    let body = reply.json();
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    (
        reply.status,
        body["location"].as_str().expect("location").to_owned(),
        body["field"].as_str().map(str::to_owned),
        body["message"].as_str().expect("message").to_owned(),
    )
}

#[tokio::test]
async fn bad_requests_are_400_or_415_naming_the_field_and_never_reach_the_handler() {
    let mut function = fixture().await;
    let post = |body: &str| {
        Req::new("POST", "/things")
            .header("content-type", "application/json")
            .body(body.as_bytes())
    };
    type Case = (Req, u16, &'static str, Option<&'static str>, &'static str);
    for source in SOURCES {
        let cases: Vec<Case> = vec![
            (
                post(r#"{"name": "x", "qty": "#),
                400,
                "body",
                None,
                "not valid JSON",
            ),
            (
                post(r#"{"name": "x", "qty": "many"}"#),
                400,
                "body",
                Some("qty"),
                "invalid type: string \"many\", expected u32",
            ),
            (
                post(r#"{"name": "x"}"#),
                400,
                "body",
                Some("qty"),
                "missing",
            ),
            (
                post(r#"{"name": "x", "qty": 1, "tags": ["a", 2]}"#),
                400,
                "body",
                Some("tags[1]"),
                "invalid type: integer `2`",
            ),
            (
                post(r#""a string""#),
                400,
                "body",
                None,
                "invalid type: string \"a string\", expected struct NewThing",
            ),
            (post("  "), 400, "body", None, "no body"),
            (
                Req::new("POST", "/things").header("content-type", "application/json"),
                400,
                "body",
                None,
                "no body",
            ),
            (
                Req::new("POST", "/things")
                    .header("content-type", "text/plain")
                    .body(br#"{"name":"x","qty":1}"#),
                415,
                "header",
                Some("content-type"),
                "got `text/plain`",
            ),
            (
                Req::new("POST", "/things").body(br#"{"name":"x","qty":1}"#),
                415,
                "header",
                Some("content-type"),
                "the request has none",
            ),
            (
                Req::new("GET", "/echo/1").query("n", "abc"),
                400,
                "query",
                Some("n"),
                "invalid digit",
            ),
            (
                Req::new("GET", "/echo/1").query("flag", "maybe"),
                400,
                "query",
                Some("flag"),
                "not `true` or `false`",
            ),
            (
                Req::new("GET", "/echo/abc"),
                400,
                "path",
                Some("id"),
                "path parameter `id`",
            ),
            (
                Req::new("PUT", "/pairs/car/1"),
                400,
                "path",
                Some("kind"),
                "car",
            ),
            (
                Req::new("GET", "/tuples/ada/300"),
                400,
                "path",
                Some("n"),
                "path parameter `n`",
            ),
        ];
        for (req, status, location, field, words) in cases {
            let reply = send(&mut function, source, &req).await;
            let (got_status, got_location, got_field, message) = rejection(&reply);
            let what = format!(
                "{source:?} {} {} {:?}: {message}",
                req.method,
                req.path,
                req.body.as_deref().map(String::from_utf8_lossy)
            );
            assert_eq!(got_status, status, "{what}");
            assert_eq!(got_location, location, "{what}");
            assert_eq!(got_field.as_deref(), field, "{what}");
            assert!(message.contains(words), "{what}: expected `{words}`");
            if let Some(field) = field {
                assert!(
                    message.contains(field),
                    "{what}: the message names the field"
                );
            }
        }
    }
    // None of those reached `create`, which counts its calls in the state.
    let reply = send(&mut function, Source::HttpApi, &Req::new("GET", "/context")).await;
    assert_eq!(reply.json()["requests"], 1);
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let mut function = fixture().await;
    for source in SOURCES {
        let reply = send(&mut function, source, &Req::new("GET", "/nope/x")).await;
        assert_eq!(reply.status, 404, "{source:?}");
        assert_eq!(
            reply.json()["message"],
            "no route for GET /nope/x",
            "{source:?}"
        );

        let reply = send(&mut function, source, &Req::new("DELETE", "/echo/1")).await;
        assert_eq!(reply.status, 405, "{source:?}");
        assert_eq!(reply.header("allow"), Some("GET"), "{source:?}");

        let reply = send(&mut function, source, &Req::new("GET", "/things")).await;
        assert_eq!(reply.status, 405, "{source:?}");
        assert_eq!(reply.header("allow"), Some("POST"), "{source:?}");

        let reply = send(&mut function, source, &Req::new("PATCH", "/things/x")).await;
        assert_eq!(reply.header("allow"), Some("DELETE"), "{source:?}");

        // HEAD is answered by the GET route, without a body.
        let reply = send(&mut function, source, &Req::new("HEAD", "/binary")).await;
        assert_eq!((reply.status, reply.body.len()), (200, 0), "{source:?}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/octet-stream")
        );

        let reply = send(&mut function, source, &Req::new("DELETE", "/things/x")).await;
        assert_eq!((reply.status, reply.body.len()), (204, 0), "{source:?}");

        let reply = send(&mut function, source, &Req::new("GET", "/")).await;
        assert_eq!(reply.body, b"root", "{source:?}");
    }
}

#[tokio::test]
async fn paths_greedy_tuples_and_structs() {
    let mut function = fixture().await;
    for source in SOURCES {
        let reply = send(
            &mut function,
            source,
            &Req::new("GET", "/files/docs/a%20b/c.txt"),
        )
        .await;
        assert_eq!(
            String::from_utf8_lossy(&reply.body),
            "docs/a b/c.txt",
            "{source:?}"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        let reply = send(&mut function, source, &Req::new("GET", "/tuples/ada/7")).await;
        assert_eq!(reply.body, b"ada:7", "{source:?}");
        let reply = send(&mut function, source, &Req::new("PUT", "/pairs/tool/3")).await;
        assert_eq!(reply.json(), json!({"kind": "tool", "id": 3}), "{source:?}");
    }
}

#[tokio::test]
async fn binary_bodies_travel_base64_both_ways() {
    let mut function = fixture().await;
    let upload: Vec<u8> = (0..=255u8).rev().collect();
    for source in SOURCES {
        let response = raw(&mut function, source, &Req::new("GET", "/binary")).await;
        assert_eq!(response["isBase64Encoded"], true, "{source:?}: {response}");
        let reply = Reply::read(source, &response);
        assert_eq!(reply.body, BYTES, "{source:?}");

        let req = Req::new("POST", "/upload")
            .header("content-type", "application/octet-stream")
            .body(&upload)
            .base64();
        let reply = send(&mut function, source, &req).await;
        assert_eq!(reply.status, 200, "{source:?}");
        assert_eq!(reply.header("x-length"), Some("256"), "{source:?}");
        assert_eq!(reply.body, upload, "{source:?}");

        // A base64-encoded JSON body (API Gateway binary media types).
        let req = Req::new("POST", "/things")
            .json(&json!({"name": "b64", "qty": 1}))
            .base64();
        assert_eq!(
            send(&mut function, source, &req).await.status,
            201,
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn cookies_in_and_set_cookie_out() {
    let mut function = fixture().await;
    for source in SOURCES {
        let req = Req::new("GET", "/cookies").cookie("a=1").cookie("b=2");
        let reply = send(&mut function, source, &req).await;
        assert_eq!(reply.json(), json!({"received": "a=1; b=2"}), "{source:?}");
        assert_eq!(
            reply.cookies,
            vec![
                "session=abc; HttpOnly; Secure".to_owned(),
                "theme=dark".to_owned()
            ],
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn errors_choose_their_status_and_5xx_details_stay_in_the_logs() {
    let mut function = fixture().await;
    for source in SOURCES {
        for status in [404u16, 409, 422] {
            let reply = send(
                &mut function,
                source,
                &Req::new("GET", &format!("/fail/{status}")),
            )
            .await;
            assert_eq!(reply.status, status, "{source:?}");
            assert_eq!(
                reply.json()["message"],
                format!("failed with {status}"),
                "{source:?}"
            );
        }
        let reply = send(&mut function, source, &Req::new("GET", "/fail/503")).await;
        assert_eq!(reply.status, 503);
        assert_eq!(
            reply.json(),
            json!({"error": "Service Unavailable", "message": "Service Unavailable"})
        );

        let reply = send(&mut function, source, &Req::new("GET", "/internal")).await;
        assert_eq!(reply.status, 500, "{source:?}");
        let body = String::from_utf8_lossy(&reply.body).into_owned();
        assert!(
            !body.contains("hunter2") && !body.contains("database"),
            "{body}"
        );
    }
    function.shut_down().await.expect("the bootstrap exits");
    let logs = function.output();
    assert!(
        logs.contains("the database said no"),
        "a 5xx error is logged: {logs}"
    );
}

#[tokio::test]
async fn a_panicking_route_is_an_invocation_error_and_the_process_keeps_serving() {
    let mut function = fixture().await;
    let pid = function.pid();
    let error = function
        .invoke(&Req::new("GET", "/panic").event(Source::RestApi))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (error.error_type.as_str(), error.error_message.as_str()),
        ("Panic", "route panicked")
    );
    let reply = send(&mut function, Source::RestApi, &Req::new("GET", "/context")).await;
    assert_eq!(reply.status, 200);
    assert!(reply.json()["requestId"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert_eq!(function.pid(), pid);
}

#[tokio::test]
async fn an_event_that_is_not_http_is_an_unmarshal_error() {
    let mut function = fixture().await;
    let error = function
        .invoke(&json!({"key1": "value1"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.error_type, "Runtime.UnmarshalError");
    assert!(
        error.error_message.contains("API Gateway"),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn api_hello_greets_behind_every_source() {
    let mut function = Function::spawn(API_HELLO).await.unwrap();
    for source in SOURCES {
        let reply = send(&mut function, source, &Req::new("GET", "/hello")).await;
        assert_eq!(
            (reply.status, reply.json()),
            (200, json!({"message": "Hello World!!"})),
            "{source:?}"
        );
        let req = Req::new("GET", "/hello").query("name", "Ada");
        let reply = send(&mut function, source, &req).await;
        assert_eq!(
            reply.json(),
            json!({"message": "Hello, Ada!"}),
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn a_single_handler_reads_api_gateways_path_parameters() {
    let mut function = Function::spawn(SINGLE).await.unwrap();
    // A REST API `{proxy+}` resource names the rest of the path `proxy`.
    let req = Req::new("PUT", "/files/a/b.txt").body(b"data");
    let reply = send(&mut function, Source::RestApi, &req).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    assert_eq!(
        (
            &body["proxy"],
            &body["greeting"],
            &body["method"],
            &body["body"]
        ),
        (
            &json!("files/a/b.txt"),
            &json!("hi"),
            &json!("PUT"),
            &json!("data")
        )
    );
    assert!(body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    // An HTTP API `$default` route has no path parameters to give.
    let reply = send(&mut function, Source::HttpApi, &req).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["location"], "path");
    assert!(
        reply.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("no parameters")),
        "{reply:?}"
    );
}

/// Starts `program --serve 127.0.0.1:0` and returns it (killed on drop)
/// with the address it listens on, read from its log.
async fn serve(program: impl AsRef<std::ffi::OsStr>) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(program)
        .args(["--serve", "127.0.0.1:0"])
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the bootstrap starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("serving http://") {
                return rest.split(' ').next().unwrap().parse().unwrap();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within 30 s");
    // Keep draining its log so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, address)
}

/// One HTTP/1.1 exchange over a fresh connection.
fn http(address: SocketAddr, request: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8(response[..split].to_vec()).unwrap();
    let body = response[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn the_local_server_answers_real_http() {
    let (child, address) = serve(FIXTURE).await;
    tokio::task::spawn_blocking(move || {
        let (status, _, body) = http(
            address,
            b"GET /echo/5?n=2&tag=x%20y HTTP/1.1\r\nHost: localhost\r\nX-Custom: hi\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status, 200);
        assert_eq!(
            json_of(&body),
            json!({"id": 5, "n": 2, "tag": "x y", "flag": null, "method": "GET", "x-custom": "hi"})
        );

        let request = with_body(
            "POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json",
            br#"{"name":"kiwi","qty":4}"#,
        );
        let (status, headers, body) = http(address, &request);
        assert_eq!(status, 201);
        assert_eq!(header(&headers, "location"), vec!["/things/kiwi"]);
        assert_eq!(json_of(&body)["thing"]["name"], "kiwi");

        let request = with_body(
            "POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json",
            b"{]",
        );
        let (status, _, body) = http(address, &request);
        assert_eq!((status, json_of(&body)["location"].clone()), (400, json!("body")));

        let (status, _, body) = http(
            address,
            b"GET /binary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!((status, body), (200, BYTES.to_vec()));

        let upload: Vec<u8> = (0..=255u8).collect();
        let request = with_body(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream",
            &upload,
        );
        let (status, _, body) = http(address, &request);
        assert_eq!((status, body), (200, upload));

        let (status, headers, body) = http(
            address,
            b"GET /cookies HTTP/1.1\r\nHost: x\r\nCookie: a=1; b=2\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status, 200);
        assert_eq!(json_of(&body), json!({"received": "a=1; b=2"}));
        assert_eq!(
            header(&headers, "set-cookie"),
            vec!["session=abc; HttpOnly; Secure", "theme=dark"]
        );

        let (status, headers, _) = http(
            address,
            b"PUT /echo/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!((status, header(&headers, "allow")), (405, vec!["GET"]));
        let (status, _, _) = http(
            address,
            b"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status, 404);

        // A failed invocation is answered as API Gateway answers one: 502.
        let (status, _, body) = http(
            address,
            b"GET /panic HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(
            (status, json_of(&body)),
            (502, json!({"message": "Internal Server Error"}))
        );
        // ... and the server keeps serving.
        let (status, _, body) = http(
            address,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!((status, body), (200, b"root".to_vec()));
    })
    .await
    .unwrap();
    drop(child);
}

#[tokio::test]
async fn the_local_server_keeps_connections_alive_and_serves_others_meanwhile() {
    let (child, address) = serve(API_HELLO).await;
    tokio::task::spawn_blocking(move || {
        // A browser-like client keeps its connection open while a second
        // one is answered.
        let mut kept = TcpStream::connect(address).unwrap();
        kept.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        kept.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 512];
        let n = kept.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
        let (status, _, body) = http(
            address,
            b"GET /hello?name=Grace HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(
            (status, json_of(&body)),
            (200, json!({"message": "Hello, Grace!"}))
        );
        kept.write_all(b"GET /hello?name=Ada HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut rest = Vec::new();
        kept.read_to_end(&mut rest).unwrap();
        assert!(String::from_utf8_lossy(&rest).contains(r#"{"message":"Hello, Ada!"}"#));
    })
    .await
    .unwrap();
    drop(child);
}

/// One event a client can make API Gateway, an ALB or a Function URL send
/// that cannot become a request, and what the 400 names.
struct Hostile {
    what: &'static str,
    event: Value,
    /// `location` of the body (`None`: the body has none).
    location: Option<&'static str>,
    field: Option<&'static str>,
}

/// Every class of event that could not be turned into a request, for
/// `source`: each used to end the process (or, for a bad method or header,
/// to be an invocation error).
fn hostile_events(source: Source) -> Vec<Hostile> {
    let v2 = matches!(source, Source::HttpApi | Source::FunctionUrl);
    let event = |req: Req| req.event(source);
    let mut cases = Vec::new();
    if v2 {
        // Payload v2 passes the query string on as the client sent it.
        let mut query = event(Req::new("GET", "/echo/1"));
        for raw in ["tag=\"quoted\"", "tag=<b>", "tag=a b", "tag=a\tb"] {
            query["rawQueryString"] = json!(raw);
            cases.push(Hostile {
                what: "query string",
                event: query.clone(),
                location: Some("query"),
                field: None,
            });
        }
    }
    let mut with_headers = |what, req: Req, location, field| {
        let mut event = event(req.clone());
        if source == Source::Alb {
            // A target group with multi-value headers off sends `headers`,
            // which is where the host and scheme are read from.
            let headers: serde_json::Map<String, Value> = req
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect();
            event["headers"] = Value::from(headers);
        }
        cases.push(Hostile {
            what,
            event,
            location,
            field,
        });
    };
    for host in ["bad host", "a<b>", "h\"x", "h:port"] {
        with_headers(
            "host header",
            Req::new("GET", "/echo/1").header("host", host),
            Some("header"),
            Some("host"),
        );
    }
    with_headers(
        "x-forwarded-proto",
        Req::new("GET", "/echo/1")
            .header("host", "example.com")
            .header("x-forwarded-proto", "ht tp"),
        Some("header"),
        Some("x-forwarded-proto"),
    );
    with_headers(
        "header value",
        Req::new("GET", "/echo/1").header("x-custom", "a\u{1}b"),
        Some("header"),
        Some("x-custom"),
    );
    if source != Source::Alb {
        let mut domain = event(Req::new("GET", "/echo/1"));
        domain["requestContext"]["domainName"] = json!("bad domain");
        cases.push(Hostile {
            what: "domainName",
            event: domain,
            location: None,
            field: None,
        });
    }
    let mut base64 = event(Req::new("POST", "/upload").body(b"x").base64());
    base64["body"] = json!("this is not base64!");
    cases.push(Hostile {
        what: "base64 body",
        event: base64,
        location: Some("body"),
        field: None,
    });
    cases.push(Hostile {
        what: "100 kB path",
        event: event(Req::new("GET", &format!("/echo/{}", "1".repeat(100_000)))),
        location: None,
        field: None,
    });
    cases.push(Hostile {
        what: "path without a leading slash",
        event: event(Req::new("GET", ":80x")),
        location: Some("path"),
        field: None,
    });
    cases.push(Hostile {
        what: "method",
        event: event(Req::new("GE T", "/echo/1")),
        location: None,
        field: None,
    });
    cases
}

/// Sends every hostile event of every source to `program`, each followed
/// by a normal request that must succeed on the same process; returns the
/// function, still running.
async fn hostile_events_are_400s(program: &str, normal: (Source, Req)) -> Function {
    let mut function = Function::spawn(program).await.expect("the function starts");
    let pid = function.pid();
    for source in SOURCES {
        for case in hostile_events(source) {
            let what = format!("{source:?} {}", case.what);
            let response = match function.invoke(&case.event).await {
                Ok(Ok(response)) => response,
                Ok(Err(error)) => panic!("{what}: invocation error {error:?}"),
                Err(error) => panic!(
                    "{what}: no answer ({error}); output:\n{}",
                    function.output()
                ),
            };
            let reply = Reply::read(source, &response);
            assert_eq!(reply.status, 400, "{what}: {reply:?}");
            assert_eq!(
                reply.header("content-type"),
                Some("application/json"),
                "{what}"
            );
            let body = reply.json();
            assert_eq!(body["error"], "Bad Request", "{what}: {body}");
            assert!(
                body["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty() && m.len() < 400),
                "{what}: a short reason: {body}"
            );
            assert_eq!(body["location"].as_str(), case.location, "{what}: {body}");
            assert_eq!(body["field"].as_str(), case.field, "{what}: {body}");

            let (normal_source, normal_req) = &normal;
            let reply = send(&mut function, *normal_source, normal_req).await;
            assert_eq!(reply.status, 200, "after {what}: {reply:?}");
            assert_eq!(function.pid(), pid, "after {what}");
        }
    }
    function
}

/// Panics the bootstrap logged, but for `lambda_runtime`'s own when the
/// emulator shuts down under it.
fn panics(logs: &str) -> Vec<&str> {
    logs.lines()
        .filter(|line| line.contains("panicked"))
        .filter(|line| !line.contains("missing lambda-runtime-aws-request-id header"))
        .collect()
}

#[tokio::test]
async fn hostile_events_are_answered_400_in_their_sources_shape_and_the_process_keeps_serving() {
    let mut function =
        hostile_events_are_400s(FIXTURE, (Source::RestApi, Req::new("GET", "/context"))).await;
    // The init state survived every one of them: the process never restarted.
    let sent: usize = SOURCES.iter().map(|s| hostile_events(*s).len()).sum();
    let reply = send(&mut function, Source::HttpApi, &Req::new("GET", "/context")).await;
    assert_eq!(reply.json()["requests"], json!(sent + 1));
    function.shut_down().await.expect("the bootstrap exits");
    let logs = function.output();
    assert!(
        logs.contains("the event cannot be an HTTP request: header `host`"),
        "why is logged: {logs}"
    );
    assert_eq!(
        panics(&logs),
        Vec::<&str>::new(),
        "a reason is found before any panic"
    );
}

#[tokio::test]
async fn hostile_events_never_reach_a_single_handler() {
    let req = Req::new("PUT", "/files/a.txt").body(b"data");
    let mut function = hostile_events_are_400s(SINGLE, (Source::RestApi, req)).await;
    function.shut_down().await.expect("the bootstrap exits");
    let logs = function.output();
    assert_eq!(
        panics(&logs),
        Vec::<&str>::new(),
        "a reason is found before any panic"
    );
}

#[tokio::test]
async fn query_strings_rest_apis_and_albs_encode_reach_the_handler_intact() {
    // REST APIs and ALBs send parameters, which the request's URI encodes.
    let mut function = fixture().await;
    let tag = "\"quoted\" <b>\ta b";
    for source in [Source::RestApi, Source::Alb] {
        let req = Req::new("GET", "/echo/1").query("tag", tag);
        let reply = send(&mut function, source, &req).await;
        assert_eq!(
            (reply.status, &reply.json()["tag"]),
            (200, &json!(tag)),
            "{source:?}"
        );
    }
}

#[test]
fn local_mode_answers_hostile_events_400_instead_of_exiting() {
    use std::process::Command;
    for source in SOURCES {
        for case in hostile_events(source) {
            let what = format!("{source:?} {}", case.what);
            let mut child = Command::new(FIXTURE)
                .arg("-")
                .env_remove("AWS_LAMBDA_RUNTIME_API")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let event = case.event.to_string();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(event.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{what}: {:?}\n{stderr}", out.status);
            let response: Value = serde_json::from_slice(&out.stdout).expect("a JSON response");
            let reply = Reply::read(source, &response);
            assert_eq!(reply.status, 400, "{what}: {reply:?}");
            assert_eq!(reply.json()["location"].as_str(), case.location, "{what}");
            assert!(
                stderr.contains("the event cannot be an HTTP request"),
                "{what}: why is logged: {stderr}"
            );
        }
    }
}

/// What the router says of tests/bootstraps/http_path_mismatch.rs.
const PATH_MISFIT: &str = "route `GET /shops/{shop}/items/{id}` (`item`): `Path<ItemPath>` has \
    the fields `shop`, `item_id` but the pattern has 2 parameters (`shop`, `id`) \
    (field `item_id` is not a parameter; parameter `id` has no field): name the fields after \
    the parameters (or `#[serde(rename = \"...\")]` them), or change the pattern";

#[tokio::test]
async fn a_path_struct_that_does_not_fit_its_pattern_fails_init_naming_the_route() {
    let mut function = Function::spawn(PATH_MISMATCH).await.unwrap();
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, lambda_kit::http::ROUTE_ERROR);
    assert_eq!(report.error_message, PATH_MISFIT);
    let status = function.wait().await.unwrap();
    assert!(!status.success(), "exit status {status}");
}

#[test]
fn locally_a_path_struct_that_does_not_fit_its_pattern_is_an_error_before_anything_runs() {
    use std::process::Command;
    for args in [&["--serve", "127.0.0.1:0"][..], &["{}"], &[]] {
        let out = Command::new(PATH_MISMATCH)
            .args(args)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr, format!("error: {PATH_MISFIT}\n"), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn local_http_bootstraps_tell_how_to_serve_or_pass_a_request_event() {
    // A routed bootstrap (`router!`) and a single `#[lambda_handler(http)]`.
    for program in [FIXTURE, SINGLE] {
        let out = run_locally(program, &["--help"], None);
        let usage = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{program}: {:?}", out.status);
        for needle in [
            "--serve [ADDR]",
            "127.0.0.1:3000",
            "--event FILE",
            "Function URL",
        ] {
            assert!(usage.contains(needle), "{program}: `{needle}` in\n{usage}");
        }

        // No event at all, or a blank one on standard input: `{}` is no
        // request, so say what to pass instead of failing to decode it.
        for stdin in [None, Some(""), Some(" \n")] {
            let out = run_locally(program, &[], stdin);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{program} {stdin:?}: {stderr}");
            assert_eq!(out.stdout, b"", "{program} {stdin:?}");
            assert_eq!(
                stderr.trim_end(),
                "error: no request event: this is an HTTP handler; serve it locally with \
                 `--serve 127.0.0.1:3000`, or pass an API Gateway, ALB or Function URL event \
                 (JSON) as the argument, with `--event FILE`, or on standard input",
                "{program} {stdin:?}"
            );
        }
    }
}
