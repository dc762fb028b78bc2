//! The local server (`BOOTSTRAP --serve`) is bounded like API Gateway and
//! answers every request: bodies over the limit, slow heads and stalled
//! bodies, connections over the cap, accept failures, hostile headers,
//! half-closed clients, responses that cannot be serialized, command
//! lines that are not UTF-8, and a function timeout that is not one. Each test drives the compiled bootstrap
//! (tests/bootstraps/serve_fixture.rs) over real sockets.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::process::Stdio;
use std::time::Duration;

use lambda_kit::testing::http::{Req, Source};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const FIXTURE: &str = env!("CARGO_BIN_EXE_serve_fixture");

/// A guard against a server that never answers, not a measured bound.
const HANG: Duration = Duration::from_secs(30);

/// A running `--serve` bootstrap and its log.
struct Server {
    child: Child,
    address: SocketAddr,
    lines: mpsc::UnboundedReceiver<String>,
    log: Vec<String>,
}

impl Server {
    /// `serve_fixture --serve 127.0.0.1:0` with these environment variables.
    async fn start(env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(FIXTURE);
        command
            .args(["--serve", "127.0.0.1:0"])
            .envs(env.iter().copied());
        Server::spawn(command).await
    }

    async fn spawn(mut command: Command) -> Server {
        let mut child = command
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the bootstrap starts");
        let (send, lines) = mpsc::unbounded_channel();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        // Drains the log so the server never blocks on a full pipe.
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                let _ = send.send(line);
            }
        });
        let mut server = Server {
            child,
            address: ([0, 0, 0, 0], 0).into(),
            lines,
            log: Vec::new(),
        };
        let line = server.wait_for_line("serving http://").await;
        let rest = &line[line.find("serving http://").unwrap() + "serving http://".len()..];
        server.address = rest.split(' ').next().unwrap().parse().unwrap();
        server
    }

    /// The first line (from the start) that contains `needle`.
    async fn wait_for_line(&mut self, needle: &str) -> String {
        if let Some(line) = self.log.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        tokio::time::timeout(HANG, async {
            while let Some(line) = self.lines.recv().await {
                self.log.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            panic!(
                "the server exited without logging {needle:?}:\n{}",
                self.log.join("\n")
            );
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} in the log:\n{}", self.log.join("\n")))
    }

    /// Kills the server and returns its whole log, read after it exited.
    async fn stop(mut self) -> Vec<String> {
        self.child.kill().await.unwrap();
        while let Some(line) = self.lines.recv().await {
            self.log.push(line);
        }
        self.log
    }
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream
}

/// One response read off a connection that may stay open.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("an answer");
        assert_eq!(
            n,
            1,
            "the connection closed after {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.trim_end().split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// Reads to the end: the server closed the connection.
fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("the server closes the connection");
    rest
}

/// One exchange on a fresh connection the server closes afterwards.
fn exchange(address: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = connect(address);
    stream.write_all(request).unwrap();
    let answer = read_answer(&mut stream);
    read_to_close(&mut stream);
    answer
}

/// The server still answers an ordinary request on a fresh connection.
fn assert_serves_root(address: SocketAddr) {
    let answer = exchange(
        address,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!((answer.status, answer.text()), (200, "root".to_owned()));
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test]
async fn a_declared_body_over_6_mb_is_413_before_any_of_it_is_sent() {
    let server = Server::start(&[]).await;
    let address = server.address;
    blocking(move || {
        // 100 MB announced, not one byte of it sent: the answer cannot have
        // waited for the body.
        let answer = exchange(
            address,
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n",
        );
        assert_eq!(answer.status, 413, "{}", answer.text());
        assert_eq!(answer.header("connection"), Some("close"));
        let message = answer.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains("6291456 bytes"), "{message}");
        assert!(message.contains("LAMBDA_KIT_SERVE_MAX_BODY"), "{message}");
        // 6 MB itself is within the limit.
        let body = vec![b'x'; 6 * 1024 * 1024];
        let mut request = format!(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        let answer = exchange(address, &request);
        assert_eq!(
            (answer.status, answer.text()),
            (200, body.len().to_string())
        );
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_streamed_body_is_413_as_soon_as_it_crosses_the_limit() {
    let server = Server::start(&[("LAMBDA_KIT_SERVE_MAX_BODY", "1000")]).await;
    let address = server.address;
    blocking(move || {
        // Eleven chunks of 100 bytes and no final chunk: the body never
        // ends, so an answer means the server stopped reading at the limit.
        let mut request =
            b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..11 {
            request.extend_from_slice(b"64\r\n");
            request.extend_from_slice(&[b'y'; 100]);
            request.extend_from_slice(b"\r\n");
        }
        let mut stream = connect(address);
        stream.write_all(&request).unwrap();
        let answer = read_answer(&mut stream);
        assert_eq!(answer.status, 413, "{}", answer.text());
        assert!(answer.text().contains("larger than 1000 bytes"));
        read_to_close(&mut stream);

        // Up to the limit, chunked or not, the body goes through.
        let mut request =
            b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                .to_vec();
        for _ in 0..10 {
            request.extend_from_slice(b"64\r\n");
            request.extend_from_slice(&[b'y'; 100]);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        let answer = exchange(address, &request);
        assert_eq!((answer.status, answer.text()), (200, "1000".to_owned()));
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_slow_to_send_its_head_is_cut_off() {
    let server = Server::start(&[("LAMBDA_KIT_SERVE_HEADER_TIMEOUT", "0.3")]).await;
    let address = server.address;
    blocking(move || {
        // Half a head, then nothing.
        let mut slow = connect(address);
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        let rest = read_to_close(&mut slow);
        assert!(
            rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&rest)
        );
        // Connected and silent.
        let mut silent = connect(address);
        assert_eq!(read_to_close(&mut silent), b"");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_kept_alive_then_silent_is_cut_off() {
    // Long enough for the first request to beat it on a loaded machine:
    // only the silence after the response has to outlast it.
    let server = Server::start(&[("LAMBDA_KIT_SERVE_HEADER_TIMEOUT", "5")]).await;
    let address = server.address;
    blocking(move || {
        let mut kept = connect(address);
        kept.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let answer = read_answer(&mut kept);
        assert_eq!((answer.status, answer.text()), (200, "root".to_owned()));
        assert_eq!(read_to_close(&mut kept), b"");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stalls_is_408() {
    let server = Server::start(&[("LAMBDA_KIT_SERVE_IDLE_TIMEOUT", "0.3")]).await;
    let address = server.address;
    blocking(move || {
        let mut stream = connect(address);
        stream
            .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            .unwrap();
        let answer = read_answer(&mut stream);
        assert_eq!(answer.status, 408, "{}", answer.text());
        assert!(answer.text().contains("LAMBDA_KIT_SERVE_IDLE_TIMEOUT"));
        read_to_close(&mut stream);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_its_response_is_cut_off() {
    let mut server = Server::start(&[("LAMBDA_KIT_SERVE_IDLE_TIMEOUT", "0.3")]).await;
    let address = server.address;
    // 16 MB: more than the socket buffers hold for a client that never reads.
    let mut stream = connect(address);
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    server.wait_for_line("read nothing of its response").await;
    let received = blocking(move || {
        let mut received = 0;
        let mut buf = vec![0; 1 << 16];
        // The end, or a reset: either way the server gave up.
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            received += n;
        }
        received
    })
    .await;
    assert!(received < 16 * 1024 * 1024, "{received} bytes");
    // The slot is free again and the server still serves.
    blocking(move || {
        assert_serves_root(address);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = Server::start(&[("LAMBDA_KIT_SERVE_MAX_CONNECTIONS", "2")]).await;
    let address = server.address;
    blocking(move || {
        let count = b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut first = connect(address);
        first.write_all(count).unwrap();
        assert_eq!(read_answer(&mut first).text(), "1");
        let mut second = connect(address);
        second.write_all(count).unwrap();
        assert_eq!(read_answer(&mut second).text(), "2");
        // Both slots are taken: the third client's request waits, and
        // requests sent later on a kept connection are served before it.
        let mut third = connect(address);
        third
            .write_all(b"GET /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        for n in 3..=5 {
            first.write_all(count).unwrap();
            assert_eq!(read_answer(&mut first).text(), n.to_string());
        }
        drop(first);
        let answer = read_answer(&mut third);
        assert_eq!((answer.status, answer.text()), (200, "6".to_owned()));
        drop(second);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn accept_failures_back_off_and_are_logged_once_per_burst() {
    // Few descriptors, and more clients than they allow.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" --serve 127.0.0.1:0"#)
        .arg(FIXTURE);
    let mut server = Server::spawn(command).await;
    let address = server.address;
    let clients = blocking(move || (0..100).map(|_| connect(address)).collect::<Vec<_>>()).await;
    server.wait_for_line("accept failed").await;
    drop(clients);
    blocking(move || {
        assert_serves_root(address);
    })
    .await;
    let log = server.stop().await;
    let failed = log.iter().filter(|l| l.contains("accept failed")).count();
    let recovered = log
        .iter()
        .filter(|l| l.contains("accepting connections again after"))
        .count();
    // A burst is one line when it starts and one when it ends; a new one
    // needs an accept in between, and there were 101 connections to take.
    assert!(
        failed >= 1 && failed == recovered,
        "{failed} bursts, {recovered} ends"
    );
    assert!(
        failed <= 101,
        "{failed} accept-failure lines:\n{}",
        log.join("\n")
    );
}

#[tokio::test]
async fn hostile_host_and_forwarded_proto_headers_are_400() {
    let server = Server::start(&[]).await;
    let address = server.address;
    blocking(move || {
        for (header, blamed) in [
            ("Host: a b", "Host"),
            ("Host: [::1", "Host"),
            ("Host: x/y", "Host"),
            ("Host: x\r\nX-Forwarded-Proto: ht tp", "X-Forwarded-Proto"),
            ("Host: x\r\nX-Forwarded-Proto: 1http", "URL"),
        ] {
            let request = format!("GET / HTTP/1.1\r\n{header}\r\nConnection: close\r\n\r\n");
            let answer = exchange(address, request.as_bytes());
            assert_eq!(answer.status, 400, "{header}: {}", answer.text());
            assert_eq!(answer.header("content-type"), Some("application/json"));
            let message = answer.json()["message"].as_str().unwrap().to_owned();
            assert!(message.contains(blamed), "{header}: {message}");
        }
        assert_serves_root(address);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_gets_the_answer() {
    let server = Server::start(&[]).await;
    let address = server.address;
    blocking(move || {
        // The request stays in flight while the end of the client's
        // sending side arrives, until a second client releases it.
        let mut stream = connect(address);
        stream
            .write_all(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let release = exchange(
            address,
            b"GET /release HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(release.status, 200);
        let answer = read_answer(&mut stream);
        assert_eq!((answer.status, answer.text()), (200, "released".to_owned()));
        read_to_close(&mut stream);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_response_that_cannot_be_serialized_is_500() {
    let server = Server::start(&[]).await;
    let address = server.address;
    blocking(move || {
        let answer = exchange(
            address,
            b"GET /unserializable HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(
            (answer.status, answer.json()),
            (500, json!({"message": "Internal Server Error"}))
        );
    })
    .await;
    let log = server.stop().await;
    assert!(
        log.iter()
            .any(|l| l.contains("the handler's response cannot be serialized")),
        "{}",
        log.join("\n")
    );
}

#[tokio::test]
async fn bad_limits_stop_the_server_before_it_listens() {
    for (name, value) in [
        ("LAMBDA_KIT_SERVE_MAX_BODY", "6MB"),
        ("LAMBDA_KIT_SERVE_HEADER_TIMEOUT", "0"),
        ("LAMBDA_KIT_SERVE_IDLE_TIMEOUT", "soon"),
        ("LAMBDA_KIT_SERVE_MAX_CONNECTIONS", "-1"),
    ] {
        let output = tokio::time::timeout(
            HANG,
            Command::new(FIXTURE)
                .args(["--serve", "127.0.0.1:0"])
                .env(name, value)
                .env_remove("AWS_LAMBDA_RUNTIME_API")
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}={value}: the server started anyway"))
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}={value}: {stderr}");
        assert!(stderr.contains(&format!("{name}=\"{value}\"")), "{stderr}");
        assert!(!stderr.contains("serving http://"), "{stderr}");
    }
}

#[tokio::test]
async fn a_bad_function_timeout_stops_the_server_and_a_local_run() {
    // The last one overflowed the deadline arithmetic: a panic, exit 101.
    for value in ["30s", "1.5", "0", "901", "18446744073709551615"] {
        for args in [&["--serve", "127.0.0.1:0"][..], &["{}"]] {
            let output = tokio::time::timeout(
                HANG,
                Command::new(FIXTURE)
                    .args(args)
                    .env("AWS_LAMBDA_FUNCTION_TIMEOUT", value)
                    .env_remove("AWS_LAMBDA_RUNTIME_API")
                    .stdin(Stdio::null())
                    .kill_on_drop(true)
                    .output(),
            )
            .await
            .unwrap_or_else(|_| panic!("{args:?} {value}: the server started anyway"))
            .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?} {value}: {stderr}");
            assert!(
                stderr.contains(&format!(
                    "error: AWS_LAMBDA_FUNCTION_TIMEOUT must be a whole number of seconds \
                     from 1 to 900, not `{value}`"
                )),
                "{stderr}"
            );
            assert!(!stderr.contains("serving http://"), "{stderr}");
        }
    }
}

/// Runs the fixture in local mode with these arguments.
async fn run_once(args: &[&OsStr]) -> std::process::Output {
    Command::new(FIXTURE)
        .args(args)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn arguments_that_are_not_utf8_are_clear_errors_and_file_names_still_work() {
    for args in [
        vec![OsStr::from_bytes(b"{\"a\": \"\xff\"}")],
        vec![OsStr::new("--serve"), OsStr::from_bytes(b"127.0.0.1:\xff")],
        vec![OsStr::from_bytes(b"--serve=\xff")],
    ] {
        let output = run_once(&args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is not valid UTF-8"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // A file name is bytes, whatever they are.
    let dir = std::env::temp_dir().join(format!("serve-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(OsStr::from_bytes(b"event-\xff.json"));
    let event = Req::new("GET", "/").event(Source::FunctionUrl);
    std::fs::write(&file, event.to_string()).unwrap();
    let mut flag = b"--event=".to_vec();
    flag.extend_from_slice(file.as_os_str().as_bytes());
    for args in [
        vec![OsStr::from_bytes(&flag)],
        vec![OsStr::new("--event"), file.as_os_str()],
    ] {
        let output = run_once(&args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        let response: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(response["statusCode"], 200, "{response}");
        assert_eq!(response["body"], "root", "{response}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
