//! A Runtime API that sends what Lambda does not: request ids that are not
//! path segments, headers that are not what lambda_runtime expects. A real
//! bootstrap (`kit_fixture`) against the emulator, each fault on its own
//! process; log assertions once the process has exited.

use lambda_kit::testing::{EmulatorError, Function, Invocation};
use serde_json::{json, Value};

const FIXTURE: &str = env!("CARGO_BIN_EXE_kit_fixture");

async fn spawn() -> Function {
    Function::spawn(FIXTURE).await.expect("bootstrap starts")
}

fn command(action: &str) -> Vec<u8> {
    json!({ "action": action }).to_string().into_bytes()
}

/// Invokes `{"action": "count"}` and returns (count, pid).
async fn count(function: &mut Function) -> (u64, u64) {
    let reply = function
        .invoke(&json!({"action": "count"}))
        .await
        .expect("answered")
        .expect("a response");
    (
        reply["count"].as_u64().unwrap(),
        reply["pid"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn request_ids_that_are_not_path_segments_are_answered_under_their_own_id() {
    let mut function = spawn().await;
    let (_, pid) = count(&mut function).await;
    for id in [
        "req/1",
        "a b",
        "what?x=1",
        "frag#1",
        "100%",
        "../up",
        "semi;colon",
    ] {
        let completion = function
            .invoke_with(Invocation::new(command("context")).request_id(id))
            .await
            .unwrap_or_else(|err| panic!("request id {id:?}: {err}"));
        assert_eq!(completion.request_id, id);
        let reply: Value = completion.into_result().expect("a response");
        // The handler sees the id Lambda sent, not the encoded path segment.
        assert_eq!(reply["request_id"], id, "{reply}");
    }
    // The same process answered all of them and still serves.
    let (count, same_pid) = count(&mut function).await;
    assert_eq!((count, same_pid), (9, pid));
}

/// Sends `invocation` after a normal one and returns the process's exit
/// status and everything it wrote.
async fn rejected(invocation: Invocation) -> (std::process::ExitStatus, String) {
    let mut function = spawn().await;
    count(&mut function).await;
    let status = match function.invoke_with(invocation).await {
        Err(EmulatorError::Exited(status)) => status,
        other => panic!(
            "expected the bootstrap to exit, got {other:?}\n{}",
            function.output()
        ),
    };
    function.wait().await.expect("output read to the end");
    (status, function.output())
}

// lambda_runtime builds the invocation's `Context` before any layer of the
// bootstrap sees it, and ends its loop when that fails: the bootstrap
// cannot answer such an invocation. It says why and exits, so Lambda
// reports `Runtime.ExitError` at once rather than a timeout later.

#[tokio::test]
async fn a_client_context_that_is_not_json_ends_the_process_with_the_reason() {
    let (status, output) = rejected(
        Invocation::new(command("count")).header("lambda-runtime-client-context", "not json"),
    )
    .await;
    assert!(!status.success(), "{status}\n{output}");
    assert!(
        output
            .lines()
            .any(|l| l.contains("Lambda-Runtime-Client-Context")
                && l.contains("rejected an invocation before the handler")),
        "{output}"
    );
    assert!(
        !output.contains("Runtime API connection failed"),
        "{output}"
    );
}

#[tokio::test]
async fn a_request_id_that_is_not_ascii_ends_the_process_with_the_reason() {
    let (status, output) =
        rejected(Invocation::new(command("count")).request_id("r\u{e9}q".as_bytes())).await;
    assert!(!status.success(), "{status}\n{output}");
    assert!(
        output
            .lines()
            .any(|l| l.contains("not visible ASCII") && l.contains("before the handler")),
        "{output}"
    );
}

#[tokio::test]
async fn a_deadline_that_is_not_a_number_ends_the_process_with_the_reason() {
    let (status, output) =
        rejected(Invocation::new(command("count")).header("lambda-runtime-deadline-ms", "soon"))
            .await;
    assert!(!status.success(), "{status}\n{output}");
    assert!(
        output
            .lines()
            .any(|l| l.contains("Lambda-Runtime-Deadline-Ms") && l.contains("not a number")),
        "{output}"
    );
}

#[tokio::test]
async fn a_missing_request_id_is_a_panic_attributed_to_lambda_runtime() {
    let (status, output) = rejected(Invocation::new(command("count")).without_request_id()).await;
    // lambda_runtime `expect`s the header outside any service of ours: the
    // panic ends the process (status 101), logged as lambda_runtime's.
    assert_eq!(status.code(), Some(101), "{output}");
    assert!(
        output
            .lines()
            .any(|l| l
                .contains("lambda_runtime panicked: missing lambda-runtime-aws-request-id header")),
        "{output}"
    );
    assert!(!output.contains("handler panicked"), "{output}");
}

#[tokio::test]
async fn handler_panics_are_still_the_handlers() {
    let mut function = spawn().await;
    let outcome = function
        .invoke(&json!({"action": "panic", "message": "boom"}))
        .await
        .unwrap();
    assert_eq!(outcome.unwrap_err().error_message, "boom");
    count(&mut function).await;
    function.shut_down().await.ok();
    let output = function.output();
    assert!(
        output.lines().any(|l| l.contains("handler panicked: boom")),
        "{output}"
    );
}

#[tokio::test]
async fn a_deadline_that_is_not_a_timestamp_is_taken_as_a_duration() {
    // `cargo lambda watch` sends `Lambda-Runtime-Deadline-Ms: 600000`: the
    // timeout, not a point in time. Taken literally the budget would be
    // spent long ago and every invocation a `Runtime.Timeout`.
    let mut function = spawn().await;
    let sent_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let completion = function
        .invoke_with(
            Invocation::new(command("context")).header("lambda-runtime-deadline-ms", "600000"),
        )
        .await
        .expect("answered");
    let reply = completion.into_result().expect("a response, not a timeout");
    let deadline = reply["deadline"].as_u64().unwrap();
    assert!(deadline >= sent_at + 600_000, "{reply}");
    count(&mut function).await;
    function.shut_down().await.ok();
    let output = function.output();
    assert_eq!(
        output
            .matches("Lambda-Runtime-Deadline-Ms 600000 is not a timestamp")
            .count(),
        1,
        "{output}"
    );
}
