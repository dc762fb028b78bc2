//! Graceful shutdown end to end: real bootstraps, signalled with SIGTERM or
//! SIGINT while an invocation (or a `--serve` request) is in flight, under
//! the Runtime API emulator, in local mode and with `--serve`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use lambda_kit::testing::{Completion, Function, Invocation, Outcome, RuntimeApi, DEFAULT_TIMEOUT};
use serde_json::json;
use tokio::process::Command;

const FIXTURE: &str = env!("CARGO_BIN_EXE_shutdown_fixture");
const HTTP: &str = env!("CARGO_BIN_EXE_http_shutdown");

/// A file the handler waits for: created once the bootstrap has logged
/// that the signal is in, so the signal always finds the work in flight.
struct Release(std::path::PathBuf);

impl Release {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("lambda-kit-shutdown-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp dir")
    }

    /// Waits for the bootstrap to log the signal, then lets the work end.
    async fn after_signal(&self, function: &Function, signal: &str) {
        started(function, &format!("SIG{signal} received")).await;
        std::fs::write(&self.0, b"").expect("the release file");
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Logs the moment a signal is received (DEBUG) besides the summary.
fn logging_signals(command: &mut Command) -> &mut Command {
    command.env("RUST_LOG", "info,lambda_kit=debug")
}

fn under_emulator(grace_ms: u64) -> Command {
    let mut command = Command::new(FIXTURE);
    command.env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", grace_ms.to_string());
    logging_signals(&mut command);
    command
}

/// `program args...` outside Lambda: `Function` sets the Runtime API
/// address, which the shell unsets before it becomes the program.
fn outside_lambda(program: &str, args: &[&str], grace_ms: u64) -> Command {
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "unset AWS_LAMBDA_RUNTIME_API; exec \"$0\" \"$@\"",
            program,
        ])
        .args(args)
        .env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", grace_ms.to_string());
    logging_signals(&mut command);
    command
}

async fn started(function: &Function, line: &str) {
    function
        .wait_for_output(|output| output.contains(line), DEFAULT_TIMEOUT)
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
}

/// Exits, and what it wrote.
async fn exited(function: &mut Function) -> (std::process::ExitStatus, String) {
    let status = function
        .wait()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    (status, function.output())
}

async fn signalled_mid_invocation_finishes_it(signal: &str) {
    let mut function = Function::spawn_command(under_emulator(30_000))
        .await
        .unwrap();
    let release = Release::new(signal);
    let answer = function
        .api()
        .invoke_in_background(json!({"until": release.path()}).to_string());
    started(&function, "handler started").await;
    function.signal(signal).unwrap();
    release.after_signal(&function, signal).await;

    // The invocation finished and its response was posted ...
    let completion = answer.await.unwrap();
    assert_eq!(
        completion.into_result(),
        Ok(json!({"worked_ms": 0, "connection": null}))
    );
    // ... then the hook ran, one line said so, and the exit status is 0.
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    assert!(
        output.contains("teardown ran after 1 invocation(s)"),
        "{output}"
    );
    let summary = format!(
        "shutting down on SIG{signal}: in-flight work finished, shutdown hook ran, no database pool open"
    );
    assert_eq!(output.matches(&summary).count(), 1, "{output}");
}

#[tokio::test]
async fn sigterm_mid_invocation_lets_it_finish_then_runs_the_hook_and_exits_0() {
    signalled_mid_invocation_finishes_it("TERM").await;
}

#[tokio::test]
async fn sigint_mid_invocation_lets_it_finish_then_runs_the_hook_and_exits_0() {
    signalled_mid_invocation_finishes_it("INT").await;
}

#[tokio::test]
async fn sigterm_between_invocations_stops_at_once() {
    let mut function = Function::spawn_command(under_emulator(30_000))
        .await
        .unwrap();
    let reply = function.invoke(&json!({})).await.unwrap();
    assert_eq!(reply, Ok(json!({"worked_ms": 0, "connection": null})));
    // The second poll: the first invocation is over, the next awaited.
    function.api().wait_for_polls(2).await.unwrap();
    function.signal("TERM").unwrap();
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    assert!(
        output.contains(
            "shutting down on SIGTERM: nothing in flight, shutdown hook ran, no database pool open"
        ),
        "{output}"
    );
}

#[tokio::test]
async fn a_handler_outlasting_the_grace_is_answered_with_an_error_and_the_hook_still_runs() {
    let mut function = Function::spawn_command(under_emulator(50)).await.unwrap();
    // Far longer than the emulator waits: only the grace can end it.
    let answer = function
        .api()
        .invoke_in_background(json!({"work_ms": 600_000}).to_string());
    started(&function, "handler started").await;
    function.signal("TERM").unwrap();

    assert_cut_short(answer.await.unwrap());
    let output = exited_after_teardown(&mut function, 1).await;
    assert!(
        output.contains(
            "shutting down on SIGTERM: in-flight work cut short after the grace period, shutdown hook ran"
        ),
        "{output}"
    );
}

/// An invocation answered with the error of work cut short by a shutdown.
fn assert_cut_short(completion: Completion) {
    let Outcome::Error(report) = completion.outcome else {
        panic!("expected an error, got {:?}", completion.outcome);
    };
    assert_eq!(
        report.diagnostic().error_type,
        lambda_kit::SHUTDOWN_TIMEOUT_ERROR
    );
}

/// Exits with status 0 once the hook has run after `count` invocations;
/// what it wrote.
async fn exited_after_teardown(function: &mut Function, count: usize) -> String {
    let (status, output) = exited(function).await;
    assert!(status.success(), "{status}\n{output}");
    let teardown = format!("teardown ran after {count} invocation(s)");
    assert!(output.contains(&teardown), "{output}");
    output
}

/// Waits until the handler has started `count` times.
async fn started_times(function: &Function, count: usize) {
    function
        .wait_for_output(
            |output| output.matches("handler started").count() >= count,
            DEFAULT_TIMEOUT,
        )
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
}

#[tokio::test]
async fn under_managed_instances_every_invocation_in_flight_finishes_before_the_hook() {
    let mut command = under_emulator(30_000);
    command.env(lambda_kit::MAX_CONCURRENCY_ENV, "4");
    let mut function = Function::spawn_command(command).await.unwrap();
    let release = Release::new("concurrent");
    let answers: Vec<_> = (0..3)
        .map(|_| {
            function
                .api()
                .invoke_in_background(json!({"until": release.path()}).to_string())
        })
        .collect();
    started_times(&function, 3).await;
    function.signal("TERM").unwrap();
    release.after_signal(&function, "TERM").await;

    for answer in answers {
        assert_eq!(
            answer.await.unwrap().into_result(),
            Ok(json!({"worked_ms": 0, "connection": null}))
        );
    }
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    assert!(
        output.contains("teardown ran after 3 invocation(s)"),
        "{output}"
    );
    let summary = "shutting down on SIGTERM: in-flight work finished, shutdown hook ran";
    assert_eq!(output.matches(summary).count(), 1, "{output}");
}

#[tokio::test]
async fn under_managed_instances_each_invocation_cut_short_gets_its_error() {
    let mut command = under_emulator(50);
    command.env(lambda_kit::MAX_CONCURRENCY_ENV, "4");
    let mut function = Function::spawn_command(command).await.unwrap();
    let answers: Vec<_> = (0..3)
        .map(|_| {
            function
                .api()
                .invoke_in_background(json!({"work_ms": 600_000}).to_string())
        })
        .collect();
    started_times(&function, 3).await;
    function.signal("TERM").unwrap();

    for answer in answers {
        assert_cut_short(answer.await.unwrap());
    }
    exited_after_teardown(&mut function, 3).await;
}

#[tokio::test]
async fn a_request_id_that_is_not_a_path_segment_still_gets_the_cut_short_answer() {
    let api = RuntimeApi::start().await.unwrap();
    let mut command = Command::new(FIXTURE);
    command.env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", "50");
    api.configure(&mut command)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let pid = child.id().unwrap().to_string();
    let invocation = Invocation::new(json!({"work_ms": 600_000}).to_string()).request_id("a b");
    let signal_once_started = async {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("handler started") {
                let killed = std::process::Command::new("kill")
                    .args(["-s", "TERM", &pid])
                    .status()
                    .unwrap();
                assert!(killed.success());
                break;
            }
        }
        // Read on, so the bootstrap never blocks on a full pipe.
        while lines.next_line().await.unwrap().is_some() {}
    };
    let (completion, ()) = tokio::join!(api.invoke(invocation), signal_once_started);
    let completion = completion.unwrap();
    assert_eq!(completion.request_id, "a b");
    let Outcome::Error(report) = completion.outcome else {
        panic!("expected an error, got {:?}", completion.outcome);
    };
    assert_eq!(
        report.diagnostic().error_type,
        lambda_kit::SHUTDOWN_TIMEOUT_ERROR
    );
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn a_grace_period_that_is_not_a_number_is_an_init_error() {
    let mut command = under_emulator(30_000);
    command.env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", "soon");
    let mut function = Function::spawn_command(command).await.unwrap();
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, "Runtime.InvalidEnvironment");
    assert_eq!(
        report.error_message,
        "LAMBDA_KIT_SHUTDOWN_GRACE_MS must be a whole number of milliseconds, not `soon`; \
         unset, the grace period is 150 ms"
    );
    assert!(!function.wait().await.unwrap().success());
}

#[tokio::test]
async fn local_mode_finishes_the_event_prints_its_result_and_runs_the_hook() {
    let release = Release::new("local");
    let event = json!({"until": release.path()}).to_string();
    let command = outside_lambda(FIXTURE, &[&event], 30_000);
    let mut function = Function::spawn_command(command).await.unwrap();
    started(&function, "handler started").await;
    function.signal("TERM").unwrap();
    release.after_signal(&function, "TERM").await;
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    let result = json!({"worked_ms": 0, "connection": null}).to_string();
    assert!(output.lines().any(|line| line == result), "{output}");
    assert!(
        output.contains("teardown ran after 1 invocation(s)"),
        "{output}"
    );
    assert!(
        output.contains("shutting down on SIGTERM: in-flight work finished, shutdown hook ran"),
        "{output}"
    );
}

/// `--serve` on a free port, with this grace; the function and its address.
async fn serving(grace_ms: u64) -> (Function, SocketAddr) {
    let command = outside_lambda(HTTP, &["--serve", "127.0.0.1:0"], grace_ms);
    let function = Function::spawn_command(command).await.unwrap();
    let output = function
        .wait_for_output(|output| output.contains("serving http://"), DEFAULT_TIMEOUT)
        .await
        .unwrap();
    let address: SocketAddr = output
        .split("serving http://")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|address| address.parse().ok())
        .unwrap_or_else(|| panic!("no address in {output}"));
    (function, address)
}

#[tokio::test]
async fn serve_answers_the_request_in_flight_then_runs_the_hook_and_exits_0() {
    let (mut function, address) = serving(30_000).await;
    let release = Release::new("serve");
    let path = format!("/work?until={}", release.path());
    let request = tokio::task::spawn_blocking(move || get(address, &path));
    started(&function, "request started").await;
    function.signal("INT").unwrap();
    release.after_signal(&function, "INT").await;

    let response = request.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("worked until released"), "{response}");
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("teardown ran"), "{output}");
    assert!(
        output.contains("shutting down on SIGINT: in-flight work finished, shutdown hook ran"),
        "{output}"
    );
}

#[tokio::test]
async fn serve_answers_a_request_outlasting_the_grace_with_503_and_the_hook_still_runs() {
    let (mut function, address) = serving(50).await;
    // Never released: only the grace can end it.
    let never = Release::new("serve-never");
    let path = format!("/work?until={}", never.path());
    let request = tokio::task::spawn_blocking(move || get(address, &path));
    started(&function, "request started").await;
    function.signal("TERM").unwrap();

    let response = request.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body["errorType"],
        lambda_kit::SHUTDOWN_TIMEOUT_ERROR,
        "{response}"
    );
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("teardown ran"), "{output}");
    assert!(
        output.contains(
            "shutting down on SIGTERM: in-flight work cut short after the grace period, shutdown hook ran"
        ),
        "{output}"
    );
}

/// One `GET` over a fresh connection; the whole response as text.
fn get(address: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: local\r\n\r\n").unwrap();
    // The server closes the connection after this response: it is
    // shutting down.
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The names of the extensions the fixture registers, with
/// `LAMBDA_KIT_SHUTDOWN_EXTENSION` set to `setting` (or unset).
async fn registered_extensions(setting: Option<&str>) -> Vec<String> {
    let mut command = under_emulator(30_000);
    if let Some(setting) = setting {
        command.env("LAMBDA_KIT_SHUTDOWN_EXTENSION", setting);
    }
    let mut function = Function::spawn_command(command).await.unwrap();
    // Registration happens before the first poll for an invocation.
    let reply = function.invoke(&json!({})).await.unwrap();
    assert!(reply.is_ok(), "{reply:?}");
    let extensions = function.api().extensions();
    function.signal("TERM").unwrap();
    let (status, output) = exited(&mut function).await;
    assert!(status.success(), "{status}\n{output}");
    extensions
}

#[tokio::test]
async fn a_handler_with_a_hook_registers_the_shutdown_extension_unless_turned_off() {
    assert_eq!(registered_extensions(None).await, ["lambda-kit-shutdown"]);
    assert_eq!(
        registered_extensions(Some("off")).await,
        Vec::<String>::new()
    );
}
