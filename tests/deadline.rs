//! Every invocation ends before its deadline: a real bootstrap under the
//! Runtime API emulator cuts a handler short and keeps serving warm; a
//! database that stops answering (a proxy that silently swallows the
//! bytes of the connections it carries) is an error inside the deadline,
//! and the next invocation gets a fresh, healthy connection; local mode is
//! bounded by the function's timeout, and so is each request of the local
//! HTTP server (`--serve`).
//!
//! `cargo test --test deadline` (the database tests need `DATABASE_URL` or
//! a local server).

mod rds_common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambda_kit::rds::{self, Pool};
use lambda_kit::rds_query;
use lambda_kit::testing::Function;
use rds_common::TestDb;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

const FIXTURE: &str = env!("CARGO_BIN_EXE_deadline_fixture");

/// The invocations' timeout under the emulator.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The margin the bootstrap keeps, other than the default to see it used.
/// The emulator waits for answers well past the deadline, so what proves
/// the handler was cut short is the answer's error type, not its arrival.
const MARGIN_MS: &str = "500";

/// The fixture under the emulator with [`TIMEOUT`], with `env` set.
async fn spawn(env: &[(&str, &str)]) -> Function {
    let mut command = tokio::process::Command::new(FIXTURE);
    command.env("LAMBDA_KIT_DEADLINE_MARGIN_MS", MARGIN_MS);
    command.envs(env.iter().copied());
    let mut function = Function::spawn_command(command)
        .await
        .expect("the bootstrap starts");
    function.api().set_timeout(TIMEOUT);
    function
}

async fn invoke(function: &mut Function, event: Value) -> Result<Value, lambda_kit::Diagnostic> {
    match function.invoke(&event).await {
        Ok(outcome) => outcome,
        Err(err) => panic!(
            "no answer to {event}: {err}; output so far:\n{}",
            function.output()
        ),
    }
}

/// Everything the function wrote, once it has exited.
async fn finished_output(function: &mut Function) -> String {
    // The exit is bounded by the emulator's timeout: the default, not the
    // short one the invocations had.
    function
        .api()
        .set_timeout(lambda_kit::testing::DEFAULT_TIMEOUT);
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

#[tokio::test]
async fn a_handler_past_its_deadline_is_answered_and_the_instance_stays_warm() {
    let mut function = spawn(&[]).await;
    let pid = function.pid();
    let err = invoke(&mut function, json!({"action": "sleep", "ms": 60_000}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "Runtime.Timeout", "{err:?}");
    assert!(
        err.error_message
            .starts_with("the handler did not finish within its ")
            && err
                .error_message
                .contains("ms budget (the invocation's deadline less a 500 ms margin"),
        "{}",
        err.error_message
    );

    // The same process, init not run again, serves the next invocation.
    let next = invoke(&mut function, json!({"action": "count"}))
        .await
        .expect("served warm");
    assert_eq!(next["count"], 2);
    assert_eq!(next["pid"].as_u64().map(|p| p as u32), pid);
    // The handler sees the time it has left.
    let remaining = next["remaining_ms"].as_u64().unwrap();
    let budget = next["budget_ms"].as_u64().unwrap();
    assert!(remaining <= 2_000 && budget + 500 <= remaining, "{next}");

    let output = finished_output(&mut function).await;
    assert_eq!(
        output.matches("deadline fixture initialised").count(),
        1,
        "{output}"
    );
    let logged = output
        .lines()
        .find(|line| line.contains("Runtime.Timeout"))
        .unwrap_or_else(|| panic!("the timeout is logged:\n{output}"));
    assert!(logged.contains("ERROR"), "{logged}");
    assert!(logged.contains("requestId"), "{logged}");
}

#[tokio::test]
async fn a_bad_margin_is_an_init_error() {
    let mut command = tokio::process::Command::new(FIXTURE);
    command.env("LAMBDA_KIT_DEADLINE_MARGIN_MS", "lots");
    let mut function = Function::spawn_command(command)
        .await
        .expect("the bootstrap starts");
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, "Runtime.InvalidEnvironment");
    assert_eq!(
        report.error_message,
        "LAMBDA_KIT_DEADLINE_MARGIN_MS must be a whole number of milliseconds from 0 to 900000, \
         not `lots`; unset, the margin is 100 ms"
    );
    assert!(!function.wait().await.unwrap().success());
}

#[tokio::test]
async fn local_mode_is_bounded_by_the_function_timeout() {
    let output = tokio::process::Command::new(FIXTURE)
        .arg(json!({"action": "sleep", "ms": 30_000}).to_string())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "1")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    let document = stderr
        .lines()
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .unwrap_or_else(|| panic!("an error document on stderr:\n{stderr}"));
    assert_eq!(document["errorType"], "Runtime.Timeout", "{stderr}");
    assert!(
        document["errorMessage"]
            .as_str()
            .unwrap()
            .contains("less a 100 ms margin"),
        "{document}"
    );
}

/// A TCP proxy to the database that can silence the connections it
/// carries: it keeps them open but forwards nothing more either way, as
/// a black-holed network or a hung server does. Connections made later
/// are forwarded normally.
struct Proxy {
    address: SocketAddr,
    open: Arc<Mutex<Vec<Arc<AtomicU8>>>>,
}

/// A connection's state in the proxy.
const FORWARDING: u8 = 0;
/// The server's next bytes are the last forwarded.
const LAST_REPLY: u8 = 1;
const SILENT: u8 = 2;

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let open: Arc<Mutex<Vec<Arc<AtomicU8>>>> = Arc::default();
        let list = open.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let silenced = Arc::new(AtomicU8::new(FORWARDING));
                list.lock().unwrap().push(silenced.clone());
                let server = TcpStream::connect(&upstream).await.unwrap();
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(forward(client_read, server_write, silenced.clone(), false));
                tokio::spawn(forward(server_read, client_write, silenced, true));
            }
        });
        Self { address, open }
    }

    /// Every connection open now goes silent.
    fn silence(&self) {
        for state in self.open.lock().unwrap().iter() {
            state.store(SILENT, Ordering::SeqCst);
        }
    }

    /// Every connection open now goes silent after the server's next
    /// bytes (one read's worth) reach the client.
    fn silence_after_first_reply(&self) {
        for state in self.open.lock().unwrap().iter() {
            state.store(LAST_REPLY, Ordering::SeqCst);
        }
    }

    /// `url` with the proxy in place of the server's host and port.
    fn url(&self, url: &str) -> String {
        let authority = url.find("://").map_or(0, |i| i + 3);
        let end = url[authority..]
            .find('/')
            .map_or(url.len(), |i| authority + i);
        let host = url[authority..end]
            .rfind('@')
            .map_or(authority, |i| authority + i + 1);
        format!("{}{}{}", &url[..host], self.address, &url[end..])
    }
}

/// Copies bytes until either side closes; once silenced, reads on and
/// drops them, so the socket stays open and the peer hears nothing.
async fn forward(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    state: Arc<AtomicU8>,
    from_server: bool,
) {
    let mut buf = [0u8; 16384];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match state.load(Ordering::SeqCst) {
            SILENT => continue,
            LAST_REPLY if from_server => state.store(SILENT, Ordering::SeqCst),
            _ => {}
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn a_stalled_database_is_an_error_inside_the_deadline_and_the_next_invocation_reconnects() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let url = proxy.url(&db.url());
    let mut function = spawn(&[("DATABASE_URL", url.as_str())]).await;
    let pid = function.pid();

    let first = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("the database answers");
    proxy.silence();
    let stalled = invoke(&mut function, json!({"action": "query"}))
        .await
        .unwrap_err();
    // The query gave up one margin before the handler's budget ended, so
    // the handler's own error reached Lambda, not a bootstrap timeout.
    assert_eq!(stalled.error_type, "rds::Error", "{stalled:?}");
    assert!(
        stalled
            .error_message
            .starts_with("connection_id: no answer from the database within the "),
        "{}",
        stalled.error_message
    );

    // The silenced connection was discarded, not left in the pool's only
    // slot: the next invocation, same process, runs on a new connection.
    let next = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("a fresh connection answers");
    assert_eq!(next["pid"].as_u64().map(|p| p as u32), pid);
    assert_eq!(next["count"], 3);
    assert_ne!(next["connection"], first["connection"], "{first} {next}");

    let output = finished_output(&mut function).await;
    assert_eq!(
        output.matches("deadline fixture initialised").count(),
        1,
        "{output}"
    );
    assert!(
        output.contains("discarding a database connection whose operation did not finish"),
        "{output}"
    );
}

#[tokio::test]
async fn a_database_silent_mid_result_is_an_error_and_its_connection_is_discarded() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let url = proxy.url(&db.url());
    let mut function = spawn(&[("DATABASE_URL", url.as_str())]).await;
    let pid = function.pid();

    let first = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("the database answers");
    // Prepared now, so the server's next reply is the result itself.
    let all = invoke(&mut function, json!({"action": "rows"})).await;
    assert_eq!(all, Ok(json!({"rows": 1000})));
    proxy.silence_after_first_reply();
    let stalled = invoke(&mut function, json!({"action": "rows"}))
        .await
        .unwrap_err();
    assert_eq!(stalled.error_type, "rds::Error", "{stalled:?}");
    assert!(
        stalled
            .error_message
            .starts_with("rows: no answer from the database within the "),
        "{}",
        stalled.error_message
    );

    // The half-read connection was discarded: returned to the pool, the
    // driver would wait for the rest of the result to clean it up, holding
    // the pool's only slot for good.
    let next = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("a fresh connection answers");
    assert_eq!(next["pid"].as_u64().map(|p| p as u32), pid);
    assert_ne!(next["connection"], first["connection"], "{first} {next}");
    let output = finished_output(&mut function).await;
    assert!(
        output.contains("discarding a database connection whose operation did not finish"),
        "{output}"
    );
}

#[tokio::test]
async fn a_database_silent_mid_result_in_a_transaction_from_begin_discards_its_connection() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let url = proxy.url(&db.url());
    let mut function = spawn(&[("DATABASE_URL", url.as_str())]).await;
    let pid = function.pid();

    let first = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("the database answers");
    // Prepared now, so the server's next reply is the result itself.
    let all = invoke(&mut function, json!({"action": "tx_rows"})).await;
    assert_eq!(all, Ok(json!({"rows": 1000})));
    proxy.silence_after_first_reply();
    let stalled = invoke(&mut function, json!({"action": "tx_rows"}))
        .await
        .unwrap_err();
    assert_eq!(stalled.error_type, "rds::Error", "{stalled:?}");
    assert!(
        stalled
            .error_message
            .starts_with("rows_in: no answer from the database within the "),
        "{}",
        stalled.error_message
    );

    // The transaction's half-read connection was discarded, not cleaned up
    // by the driver (which would hold the pool's only slot for good).
    let next = invoke(&mut function, json!({"action": "query"}))
        .await
        .expect("a fresh connection answers");
    assert_eq!(next["pid"].as_u64().map(|p| p as u32), pid);
    assert_ne!(next["connection"], first["connection"], "{first} {next}");
    let output = finished_output(&mut function).await;
    assert!(
        output.contains("discarding a database connection whose operation did not finish"),
        "{output}"
    );
}

#[rds_query("SELECT CONNECTION_ID()")]
async fn connection_id(pool: &Pool) -> Result<u64, rds::Error>;

#[rds_query(
    "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) \
     SELECT REPEAT('x', 1000) FROM s"
)]
async fn rows(pool: &Pool) -> Result<Vec<String>, rds::Error>;

#[tokio::test]
async fn a_cancelled_query_never_returns_its_connection_to_the_pool() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let config = db
        .config()
        .with_host(proxy.address.ip().to_string())
        .with_port(proxy.address.port())
        .with_pool_max(1)
        .with_connect_timeout(Duration::from_secs(5));
    let pool = Pool::new(config).unwrap();
    assert_eq!(rows(&pool).await.unwrap().len(), 1000);
    let first = connection_id(&pool).await.unwrap();

    // The caller gives up on a query whose result stopped arriving (as a
    // handler cancelled at its deadline does).
    proxy.silence_after_first_reply();
    let gave_up = tokio::time::timeout(Duration::from_millis(500), rows(&pool)).await;
    assert!(gave_up.is_err(), "{gave_up:?}");

    // With one connection in the pool, the next query can only run if the
    // abandoned connection gave its slot back.
    let next = connection_id(&pool).await.unwrap();
    assert_ne!(next, first);
}

#[rds_query(
    "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) \
     SELECT REPEAT('x', 1000) FROM s"
)]
async fn rows_in(tx: &mut rds::Transaction<'_>) -> Result<Vec<String>, rds::Error>;

#[tokio::test]
async fn a_statement_cancelled_in_a_transaction_discards_its_connection() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let config = db
        .config()
        .with_host(proxy.address.ip().to_string())
        .with_port(proxy.address.port())
        .with_pool_max(1)
        .with_connect_timeout(Duration::from_secs(5));
    let pool = Pool::new(config).unwrap();
    let first = connection_id(&pool).await.unwrap();

    {
        let mut conn = pool.conn().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        // Prepared now, so the server's next reply is the result itself.
        assert_eq!(rows_in(&mut tx).await.unwrap().len(), 1000);
        proxy.silence_after_first_reply();
        let gave_up = tokio::time::timeout(Duration::from_millis(500), rows_in(&mut tx)).await;
        assert!(gave_up.is_err(), "{gave_up:?}");
    }

    let next = connection_id(&pool).await.unwrap();
    assert_ne!(next, first);
}

#[tokio::test]
async fn a_statement_cancelled_in_a_transaction_from_the_pool_discards_its_connection() {
    let db = TestDb::create("CREATE TABLE t (id INT)").await;
    let proxy = Proxy::start(db.config().address()).await;
    let config = db
        .config()
        .with_host(proxy.address.ip().to_string())
        .with_port(proxy.address.port())
        .with_pool_max(1)
        .with_connect_timeout(Duration::from_secs(5));
    let pool = Pool::new(config).unwrap();
    let first = connection_id(&pool).await.unwrap();

    {
        let mut tx = pool.begin().await.unwrap();
        // Prepared now, so the server's next reply is the result itself.
        assert_eq!(rows_in(&mut tx).await.unwrap().len(), 1000);
        proxy.silence_after_first_reply();
        let gave_up = tokio::time::timeout(Duration::from_millis(500), rows_in(&mut tx)).await;
        assert!(gave_up.is_err(), "{gave_up:?}");
    }

    let next = connection_id(&pool).await.unwrap();
    assert_ne!(next, first);
}

const SERVE_FIXTURE: &str = env!("CARGO_BIN_EXE_serve_fixture");

/// One `GET path` with `Connection: close`; the whole answer as text.
async fn get(address: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_local_server_bounds_each_request_by_the_function_timeout() {
    let mut server = tokio::process::Command::new(SERVE_FIXTURE)
        .args(["--serve", "127.0.0.1:0"])
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = tokio::io::BufReader::new(server.stderr.take().unwrap()).lines();
    let address: SocketAddr = loop {
        let line = log
            .next_line()
            .await
            .unwrap()
            .expect("the server says where it listens");
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split(' ').next().unwrap().parse().unwrap();
        }
    };

    // `/wait` waits for a `/release` that never comes: the function's
    // timeout ends it, with what a Function URL answers for a failed
    // invocation, and the server goes on serving.
    let answer = tokio::time::timeout(Duration::from_secs(30), get(address, "/wait"))
        .await
        .expect("the request ends at the function's timeout");
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"Internal Server Error"}"#),
        "{answer}"
    );
    let root = get(address, "/").await;
    assert!(root.starts_with("HTTP/1.1 200"), "{root}");
    assert!(root.ends_with("root"), "{root}");

    server.kill().await.unwrap();
    let mut lines = Vec::new();
    while let Some(line) = log.next_line().await.unwrap() {
        lines.push(line);
    }
    let logged = lines.join("\n");
    assert!(
        logged.contains("Runtime.Timeout") && logged.contains("within its "),
        "{logged}"
    );
}
