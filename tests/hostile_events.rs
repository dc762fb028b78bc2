//! Events at and past the edges of what Lambda delivers, and a long run on
//! one process: each answered (a response or an `UnmarshalError`), and
//! the process keeps serving with flat memory.
//!
//! `LAMBDA_KIT_SOAK_INVOCATIONS` sets the soak's length (default 20,000;
//! 100,000 for a long run).

mod example_bins;
use example_bins::Example;

use lambda_kit::testing::{Function, Invocation};
use serde_json::{json, Value};

const ANY_EVENT: Example = Example("any_event");
const FIXTURE: &str = env!("CARGO_BIN_EXE_kit_fixture");

async fn spawn(path: impl AsRef<std::ffi::OsStr>) -> Function {
    Function::spawn(path).await.expect("bootstrap starts")
}

/// The bootstrap's answer to `payload` as a result.
async fn answer(
    function: &mut Function,
    payload: Vec<u8>,
) -> Result<Value, lambda_kit::Diagnostic> {
    function
        .invoke_raw(payload)
        .await
        .unwrap_or_else(|err| panic!("{err}\n{}", function.output()))
        .into_result()
}

fn unmarshal_error(outcome: Result<Value, lambda_kit::Diagnostic>) -> String {
    let error = outcome.expect_err("an error");
    assert_eq!(error.error_type, "Runtime.UnmarshalError", "{error:?}");
    error.error_message
}

#[tokio::test]
async fn a_six_megabyte_event_is_decoded_and_answered() {
    let mut function = spawn(ANY_EVENT).await;
    let blob = "x".repeat(6 * 1024 * 1024 - 32);
    let payload = json!({ "blob": blob }).to_string().into_bytes();
    assert!(payload.len() <= 6 * 1024 * 1024);
    let reply = answer(&mut function, payload).await.expect("a response");
    assert_eq!(reply["kind"], "object");
    assert_eq!(
        reply["event"]["blob"].as_str().map(str::len),
        Some(blob.len())
    );
}

#[tokio::test]
async fn deep_nesting_is_an_unmarshal_error_and_the_process_keeps_serving() {
    let mut function = spawn(ANY_EVENT).await;
    let pid = function.pid();
    let depth = 100_000;
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let payload = format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes();
        let message = unmarshal_error(answer(&mut function, payload).await);
        assert!(message.contains("recursion limit exceeded"), "{message}");
    }
    let reply = answer(&mut function, b"[1]".to_vec())
        .await
        .expect("a response");
    assert_eq!(reply["kind"], "array");
    assert_eq!(function.pid(), pid);
}

#[tokio::test]
async fn text_that_is_not_utf8_or_unicode_is_an_unmarshal_error() {
    let mut function = spawn(ANY_EVENT).await;
    let bad: [&[u8]; 4] = [
        b"{\"a\": \"\xff\xfe\"}",
        b"\"\xc3\x28\"",
        br#"{"a": "\ud800"}"#,
        b"\xef\xbb\xbf{}",
    ];
    for payload in bad {
        unmarshal_error(answer(&mut function, payload.to_vec()).await);
    }
    // Escaped non-ASCII and an empty object still decode.
    let reply = answer(&mut function, br#"{"a": "\u00e9\ud83d\ude00"}"#.to_vec())
        .await
        .expect("a response");
    assert_eq!(reply["event"]["a"], "\u{e9}\u{1f600}");
}

/// Resident memory of a process, in KiB, from `/proc`.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc status")
}

/// How many invocations the soak runs.
fn soak_length() -> u64 {
    std::env::var("LAMBDA_KIT_SOAK_INVOCATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

/// Runs `invocations` on one process (every fifth fails, every fifth
/// panics) and returns its RSS after a tenth of them and at the end, in KiB.
/// With `trace_id`, every invocation carries that `Lambda-Runtime-Trace-Id`
/// instead of a distinct one.
async fn soak(invocations: u64, trace_id: Option<&str>) -> (u64, u64) {
    let warm_up = (invocations / 10).max(100);
    // As on Lambda: no backtraces (capturing one for each panic would load
    // the debug info into memory and measure that instead).
    let mut command = tokio::process::Command::new(FIXTURE);
    command
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    let mut function = Function::spawn_command(command)
        .await
        .expect("bootstrap starts");
    let pid = function.pid().expect("running");
    let mut warm_rss = 0;
    for n in 1..=invocations {
        // Error paths must not leak either.
        let event = match n % 5 {
            0 => json!({"action": "fail", "message": "rejected"}),
            1 => json!({"action": "panic", "message": "boom"}),
            _ => json!({"action": "count"}),
        };
        let mut invocation = Invocation::new(event.to_string());
        if let Some(trace_id) = trace_id {
            invocation = invocation.header("lambda-runtime-trace-id", trace_id);
        }
        let outcome = function
            .invoke_with(invocation)
            .await
            .unwrap_or_else(|err| panic!("invocation {n}: {err}"))
            .into_result();
        match n % 5 {
            0 => assert_eq!(outcome.unwrap_err().error_type, "ValidationError"),
            1 => assert_eq!(outcome.unwrap_err().error_type, "Panic"),
            _ => assert_eq!(outcome.unwrap()["count"], json!(n)),
        }
        if n == warm_up {
            warm_rss = rss_kib(pid);
        }
    }
    let final_rss = rss_kib(pid);
    // Printed for the README's reliability figures (`--nocapture`).
    println!(
        "soak ({}): {invocations} invocations, RSS {warm_rss} KiB after {warm_up}, {final_rss} KiB at the end",
        if trace_id.is_some() { "one trace id" } else { "distinct trace ids" }
    );
    (warm_rss, final_rss)
}

const ONE_TRACE_ID: &str =
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0";

#[tokio::test]
async fn a_long_run_on_one_process_keeps_memory_flat() {
    // One trace id for all: what is measured is lambda-kit's own memory,
    // without lambda_runtime's per-invocation `setenv` (next test).
    let (warm, end) = soak(soak_length(), Some(ONE_TRACE_ID)).await;
    // A leak of 64 bytes per invocation would show as over 1 MiB at 20,000.
    assert!(end <= warm + 1024, "RSS grew from {warm} KiB to {end} KiB");
}

/// lambda_runtime's sequential loop sets `_X_AMZN_TRACE_ID` with
/// `std::env::set_var` on every invocation, and glibc's `setenv` never
/// frees a value it replaces: with Lambda's distinct trace ids, memory
/// grows by about a trace id per invocation. Outside lambda-kit's reach
/// (it happens before any layer runs); pinned here so that the README's
/// known limits change when lambda_runtime does.
#[tokio::test]
async fn distinct_trace_ids_grow_memory_through_lambda_runtimes_setenv() {
    let invocations = soak_length();
    let (warm, end) = soak(invocations, None).await;
    let grown_bytes = end.saturating_sub(warm) * 1024;
    let per_invocation = grown_bytes / (invocations - (invocations / 10).max(100));
    assert!(
        per_invocation >= 64,
        "RSS grew {grown_bytes} bytes ({per_invocation} per invocation): has lambda_runtime stopped leaking trace ids?"
    );
}
