//! End to end: the real compiled bootstraps, driven over HTTP through the
//! Runtime API emulator (`lambda_kit::testing`), and run in local mode.

mod example_bins;
use example_bins::{run_locally as local, Example};

use std::process::{Command, Stdio};

use lambda_kit::testing::{EmulatorError, Function, Outcome, FUNCTION_NAME};
use serde_json::{json, Value};

const HELLO: Example = Example("hello");
const ECHO: Example = Example("echo");
const ANY_EVENT: Example = Example("any_event");
const FAIL: Example = Example("fail");
const FIXTURE: &str = env!("CARGO_BIN_EXE_kit_fixture");

fn console_event() -> Value {
    json!({"key1": "value1", "key2": "value2", "key3": "value3"})
}

async fn spawn(path: impl AsRef<std::ffi::OsStr>) -> Function {
    Function::spawn(path).await.expect("bootstrap starts")
}

/// Everything the function wrote, read once it has exited: the emulator
/// shuts down, the bootstrap exits, and both pipes are read to the end.
async fn finished_output(function: &mut Function) -> String {
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

#[tokio::test]
async fn hello_answers_hello_world() {
    let mut function = spawn(HELLO).await;
    assert_eq!(
        function.invoke(&json!({})).await.unwrap(),
        Ok(json!("Hello World!!"))
    );
    // No event parameter: whatever arrives is ignored, even non-objects.
    assert_eq!(
        function.invoke(&json!([1, 2])).await.unwrap(),
        Ok(json!("Hello World!!"))
    );
}

#[tokio::test]
async fn echo_returns_key1_and_logs_each_value_with_its_request_id() {
    let mut function = spawn(ECHO).await;
    let first = function
        .api()
        .invoke_raw(console_event().to_string())
        .await
        .unwrap();
    let second = function
        .api()
        .invoke_raw(json!({"key1": 1, "key2": [2], "key3": null}).to_string())
        .await
        .unwrap();
    assert_eq!(first.clone().into_result(), Ok(json!("value1")));
    assert_eq!(second.clone().into_result(), Ok(json!(1)));

    let logs = finished_output(&mut function).await;
    assert_eq!(
        logs.matches("Loading function").count(),
        1,
        "init runs once:\n{logs}"
    );
    for (line, cold) in [
        ("value1 = value1", true),
        ("value2 = value2", true),
        ("value3 = value3", true),
    ] {
        let expected = format!("requestId={} coldStart={cold}", first.request_id);
        assert!(
            logs.lines()
                .any(|l| l.contains(line) && l.contains(&expected)),
            "no `{line}` with `{expected}` in:\n{logs}"
        );
    }
    let expected = format!("requestId={} coldStart=false", second.request_id);
    assert!(
        logs.lines()
            .any(|l| l.contains("value2 = [2]") && l.contains(&expected)),
        "second invocation not marked warm:\n{logs}"
    );
}

#[tokio::test]
async fn json_logs_carry_request_id_and_cold_start() {
    let mut command = tokio::process::Command::new(ECHO);
    command.env("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let mut function = Function::spawn_command(command).await.unwrap();
    let done = function
        .api()
        .invoke_raw(console_event().to_string())
        .await
        .unwrap();
    assert_eq!(done.clone().into_result(), Ok(json!("value1")));
    let line = finished_output(&mut function)
        .await
        .lines()
        .find(|l| l.contains("value1 = value1"))
        .map(|l| serde_json::from_str::<Value>(l).expect("each log line is JSON"))
        .expect("the value1 line is logged");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["span"]["requestId"], json!(done.request_id));
    assert_eq!(line["span"]["coldStart"], json!(true));
    assert!(line["span"]["xrayTraceId"]
        .as_str()
        .unwrap()
        .starts_with("Root=1-"));
}

#[tokio::test]
async fn log_level_is_honoured() {
    let mut command = tokio::process::Command::new(ECHO);
    command.env("AWS_LAMBDA_LOG_LEVEL", "WARN");
    let mut function = Function::spawn_command(command).await.unwrap();
    assert_eq!(
        function.invoke(&console_event()).await.unwrap(),
        Ok(json!("value1"))
    );
    // An absence is only proven once the process exited and its output
    // was read to the end.
    let logs = finished_output(&mut function).await;
    assert!(
        !logs.contains("value1 = value1"),
        "INFO lines printed at WARN:\n{logs}"
    );
}

#[tokio::test]
async fn undecodable_events_get_unmarshal_errors_and_the_next_one_is_served() {
    let mut function = spawn(ECHO).await;
    let missing = function
        .invoke(&json!({"key1": "a", "key2": "b"}))
        .await
        .unwrap();
    let missing = missing.unwrap_err();
    assert_eq!(missing.error_type, "Runtime.UnmarshalError");
    assert!(
        missing.error_message.starts_with("missing field `key3`"),
        "{}",
        missing.error_message
    );

    let completion = function.invoke_raw("{not json").await.unwrap();
    let Outcome::Error(report) = &completion.outcome else {
        panic!("expected an error, got {completion:?}");
    };
    assert_eq!(report.diagnostic().error_type, "Runtime.UnmarshalError");

    assert_eq!(
        function.invoke(&console_event()).await.unwrap(),
        Ok(json!("value1"))
    );
    let logs = finished_output(&mut function).await;
    assert_eq!(
        logs.matches("Loading function").count(),
        1,
        "the process was restarted:\n{logs}"
    );
}

#[tokio::test]
async fn nested_field_errors_name_the_path() {
    let mut function = spawn(FIXTURE).await;
    let err = function
        .invoke(&json!({"action": "panic", "message": 5}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.error_type, "Runtime.UnmarshalError");
    assert!(
        err.error_message
            .starts_with("message: invalid type: integer `5`, expected a string"),
        "{}",
        err.error_message
    );
}

#[tokio::test]
async fn errors_carry_their_short_type_name_and_message() {
    let mut function = spawn(FAIL).await;
    let completion = function
        .invoke_raw(console_event().to_string())
        .await
        .unwrap();
    let Outcome::Error(report) = &completion.outcome else {
        panic!("expected an error, got {completion:?}");
    };
    assert_eq!(
        serde_json::from_slice::<Value>(&report.body).unwrap(),
        json!({"errorType": "SomethingWentWrong", "errorMessage": "Something went wrong"})
    );

    // Through `lambda_kit::Error` and `?`, the concrete type still names it.
    let mut function = spawn(FIXTURE).await;
    let err = function
        .invoke(&json!({"action": "fail", "message": "name must not be empty"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        ("ValidationError", "name must not be empty")
    );
}

#[tokio::test]
async fn a_panic_is_answered_and_the_process_keeps_serving() {
    let mut function = spawn(FIXTURE).await;
    let pid = function.pid();
    assert_eq!(
        function
            .invoke(&json!({"action": "count"}))
            .await
            .unwrap()
            .unwrap()["count"],
        1
    );
    let err = function
        .invoke(&json!({"action": "panic", "message": "index out of bounds"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        ("Panic", "index out of bounds")
    );
    let after = function
        .invoke(&json!({"action": "count"}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after["count"], 3, "state survived the panic");
    assert_eq!(after["pid"], json!(pid.unwrap()));
    let logs = finished_output(&mut function).await;
    assert!(
        logs.lines()
            .any(|l| l.contains("handler panicked: index out of bounds")
                && l.contains("kit_fixture.rs")),
        "the panic is logged with its location:\n{logs}"
    );
}

#[tokio::test]
async fn context_is_injected_from_the_runtime_api() {
    let mut function = spawn(FIXTURE).await;
    let completion = function
        .invoke_raw(r#"{"action":"context"}"#)
        .await
        .unwrap();
    let request_id = completion.request_id.clone();
    let ctx = completion.into_result().unwrap();
    assert_eq!(ctx["request_id"], json!(request_id));
    assert_eq!(ctx["function_name"], FUNCTION_NAME);
    assert_eq!(ctx["memory"], 128);
    assert!(ctx["arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":function:{FUNCTION_NAME}")));
    assert!(ctx["trace_id"].as_str().unwrap().starts_with("Root=1-"));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        ctx["deadline"].as_u64().unwrap() > now_ms,
        "deadline in the future"
    );
}

#[tokio::test]
async fn init_failure_is_reported_and_the_process_exits_non_zero() {
    let mut command = tokio::process::Command::new(FIXTURE);
    command.env("FIXTURE_FAIL_INIT", "TABLE_NAME");
    let mut function = Function::spawn_command(command).await.unwrap();
    let report = function.init_error().await.unwrap();
    assert_eq!(report.error_type_header.as_deref(), Some("ConfigError"));
    assert_eq!(
        serde_json::from_slice::<Value>(&report.body).unwrap(),
        json!({"errorType": "ConfigError", "errorMessage": "missing setting: TABLE_NAME"})
    );
    let status = function.wait().await.unwrap();
    assert!(!status.success(), "exit status {status}");
}

#[tokio::test]
async fn missing_lambda_environment_is_an_init_error_not_a_crash() {
    let mut command = tokio::process::Command::new(HELLO);
    command.env_remove("AWS_LAMBDA_FUNCTION_NAME");
    // `configure` sets it again, so remove it after: spawn by hand.
    let api = lambda_kit::testing::RuntimeApi::start().await.unwrap();
    api.configure(&mut command);
    command
        .env_remove("AWS_LAMBDA_FUNCTION_NAME")
        .kill_on_drop(true);
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let report = api.init_error().await.unwrap();
    assert_eq!(report.diagnostic().error_type, "Runtime.InvalidEnvironment");
    assert!(report
        .diagnostic()
        .error_message
        .contains("AWS_LAMBDA_FUNCTION_NAME"));
    assert!(!child.wait().await.unwrap().success());
}

#[tokio::test]
async fn a_thousand_invocations_on_one_process() {
    let mut function = spawn(FIXTURE).await;
    let pid = json!(function.pid().unwrap());
    for n in 1..=1000u64 {
        let reply = function
            .invoke(&json!({"action": "count"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply, json!({"count": n, "pid": pid}));
    }
}

#[tokio::test]
async fn a_shut_down_emulator_lets_the_bootstrap_exit() {
    let mut function = spawn(HELLO).await;
    assert_eq!(
        function.invoke(&json!({})).await.unwrap(),
        Ok(json!("Hello World!!"))
    );
    let status = function
        .shut_down()
        .await
        .expect("the bootstrap exits by itself");
    assert!(
        !status.success(),
        "losing the Runtime API is a failure exit: {status}"
    );
}

#[tokio::test]
async fn any_event_accepts_every_json_kind() {
    let mut function = spawn(ANY_EVENT).await;
    let cases = [
        (json!({"a": 1}), "object"),
        (json!([1, "two"]), "array"),
        (json!("text"), "string"),
        (json!(42), "integer"),
        (json!(4.5), "float"),
        (json!(false), "boolean"),
        (Value::Null, "null"),
    ];
    for (event, kind) in cases {
        let reply = function.invoke(&event).await.unwrap();
        assert_eq!(reply, Ok(json!({"kind": kind, "event": event})));
    }
}

#[tokio::test]
async fn a_dead_bootstrap_is_reported_not_waited_for() {
    let mut command = tokio::process::Command::new(FIXTURE);
    command.env("FIXTURE_FAIL_INIT", "X");
    let mut function = Function::spawn_command(command).await.unwrap();
    match function.invoke(&json!({"action": "count"})).await {
        Err(EmulatorError::Exited(status)) => assert!(!status.success()),
        other => panic!("expected the exit to be reported, got {other:?}"),
    }
}

// ---- local mode: no AWS_LAMBDA_RUNTIME_API ----

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn local_mode_prints_the_result_on_stdout() {
    let out = local(HELLO, &[], None);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "\"Hello World!!\"\n");

    let out = local(ECHO, &[&console_event().to_string()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "\"value1\"\n");
    let logs = text(&out.stderr);
    assert!(
        logs.contains("Loading function") && logs.contains("value3 = value3"),
        "{logs}"
    );
}

#[test]
fn local_mode_reads_files_and_stdin() {
    let dir = std::env::temp_dir().join(format!("lambda-kit-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("event.json");
    std::fs::write(&file, console_event().to_string()).unwrap();
    let out = local(ECHO, &["--event", file.to_str().unwrap()], None);
    assert_eq!(text(&out.stdout), "\"value1\"\n", "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();

    let out = local(ANY_EVENT, &[], Some("[1, 2]"));
    assert_eq!(text(&out.stdout), "{\"kind\":\"array\",\"event\":[1,2]}\n");
    // Nothing at all: Lambda's default `{}`.
    let out = local(ANY_EVENT, &[], None);
    assert_eq!(text(&out.stdout), "{\"kind\":\"object\",\"event\":{}}\n");
}

#[test]
fn local_mode_says_when_init_failed() {
    let out = Command::new(FIXTURE)
        .arg(r#"{"action": "count"}"#)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("FIXTURE_FAIL_INIT", "TABLE_NAME")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr).lines().last(),
        Some("error: init failed: ConfigError: missing setting: TABLE_NAME")
    );
}

#[test]
fn local_mode_errors_go_to_stderr_with_exit_status_1() {
    let out = local(FAIL, &["{}"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr).lines().last().unwrap(),
        r#"{"errorType":"SomethingWentWrong","errorMessage":"Something went wrong"}"#
    );

    let out = local(ECHO, &[r#"{"key1": "a"}"#], None);
    assert_eq!(out.status.code(), Some(1));
    let last: Value = serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(last["errorType"], "Runtime.UnmarshalError");

    let out = local(
        FIXTURE,
        &[r#"{"action": "panic", "message": "boom"}"#],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let last: Value = serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(last, json!({"errorType": "Panic", "errorMessage": "boom"}));

    let out = local(ECHO, &["--nope"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown option `--nope`"));
}
