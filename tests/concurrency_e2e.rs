//! Lambda Managed Instances: with `AWS_LAMBDA_MAX_CONCURRENCY` set, real
//! compiled bootstraps serve many invocations at once through the Runtime
//! API emulator, each keeping its own request id, logs, panics and answer.

use std::collections::HashMap;

use lambda_kit::testing::events::SqsBatch;
use lambda_kit::testing::http::{Reply, Req, Source};
use lambda_kit::testing::{Completion, Function, Invocation, Outcome};
use lambda_kit::MAX_CONCURRENCY_ENV;
use serde_json::{json, Value};

const CONCURRENT: &str = env!("CARGO_BIN_EXE_concurrent_fixture");
const SEQUENTIAL: &str = env!("CARGO_BIN_EXE_sequential_fixture");
const HTTP: &str = env!("CARGO_BIN_EXE_concurrent_http");
const SQS: &str = env!("CARGO_BIN_EXE_batch_sqs");
const ROUTER: &str = env!("CARGO_BIN_EXE_concurrent_router");
const SEQUENTIAL_ROUTER: &str = env!("CARGO_BIN_EXE_sequential_router");

async fn spawn(path: &str, max_concurrency: &str, json_logs: bool) -> Function {
    let mut command = tokio::process::Command::new(path);
    command.env(MAX_CONCURRENCY_ENV, max_concurrency);
    if json_logs {
        command.env("AWS_LAMBDA_LOG_FORMAT", "JSON");
    }
    Function::spawn_command(command)
        .await
        .expect("bootstrap starts")
}

/// Queues every payload at once and waits for all the answers, in order.
async fn invoke_all(function: &mut Function, payloads: &[Value]) -> Vec<Completion> {
    let pending: Vec<_> = payloads
        .iter()
        .map(|payload| tokio::spawn(function.api().invoke_in_background(payload.to_string())))
        .collect();
    let mut completions = Vec::new();
    for answer in pending {
        completions.push(answer.await.expect("invoker task").expect("answered"));
    }
    completions
}

async fn finished_output(function: &mut Function) -> String {
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_at_once_each_answer_and_log_line_belongs_to_its_invocation() {
    let mut function = spawn(CONCURRENT, "8", true).await;
    // The first eight only finish once eight run at once: served one at a
    // time they would wait for their deadline instead.
    let mut payloads: Vec<Value> = (0..8).map(|id| json!({"id": id, "gather": 8})).collect();
    payloads.extend((8..300).map(|id| json!({"id": id, "sleep_ms": id % 7})));
    payloads.push(json!({"id": 300, "sleep_ms": 3, "panic": true}));
    payloads.extend((301..340).map(|id| json!({"id": id, "sleep_ms": 2})));
    let completions = invoke_all(&mut function, &payloads).await;

    let peak = function.api().peak_in_flight();
    let mut request_of_id = HashMap::new();
    for (sent, done) in payloads.iter().zip(&completions) {
        let id = sent["id"].as_u64().unwrap();
        request_of_id.insert(id, done.request_id.clone());
        if id == 300 {
            let error = done.clone().into_result().unwrap_err();
            assert_eq!(error.error_type, lambda_kit::PANIC_ERROR);
            assert_eq!(error.error_message, "job 300 panicked");
            continue;
        }
        assert_eq!(
            done.clone().into_result(),
            Ok(json!({"id": id, "request_id": done.request_id})),
            "invocation {id}"
        );
    }
    assert_eq!(
        peak, 8,
        "the emulator saw eight invocations in flight at once"
    );

    let logs = finished_output(&mut function).await;
    let mut finished = 0;
    let mut cold_starts = 0;
    for line in logs.lines().filter(|l| l.contains("\"id\"")) {
        let line: Value = serde_json::from_str(line).expect("each log line is JSON");
        let id = line["fields"]["id"]
            .as_u64()
            .expect("the line names its job");
        assert_eq!(
            line["span"]["requestId"].as_str(),
            Some(request_of_id[&id].as_str()),
            "a log line of job {id} carries its own request id: {line}"
        );
        assert!(line["span"]["xrayTraceId"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-"));
        if line["span"]["coldStart"] == json!(true) && line["fields"]["message"] == "started" {
            cold_starts += 1;
        }
        if line["fields"]["message"] == "finished" {
            finished += 1;
        }
    }
    assert_eq!(
        finished,
        payloads.len() - 1,
        "every job but the panic finished:\n{logs}"
    );
    assert_eq!(
        cold_starts, 1,
        "one cold start for the environment:\n{logs}"
    );
    assert!(
        logs.contains("job 300 panicked"),
        "the panic is logged:\n{logs}"
    );
}

#[tokio::test]
async fn unset_or_one_serves_one_invocation_at_a_time() {
    for setting in ["1", ""] {
        let mut function = spawn(CONCURRENT, setting, false).await;
        let payloads: Vec<Value> = (0..20).map(|id| json!({"id": id, "sleep_ms": 1})).collect();
        let completions = invoke_all(&mut function, &payloads).await;
        assert!(completions
            .iter()
            .all(|done| matches!(done.outcome, Outcome::Response(_))));
        assert_eq!(function.api().peak_in_flight(), 1, "setting {setting:?}");
        let logs = finished_output(&mut function).await;
        assert!(
            !logs.contains(MAX_CONCURRENCY_ENV),
            "nothing to say:\n{logs}"
        );
    }
}

#[tokio::test]
async fn a_state_that_is_not_sync_serves_one_at_a_time_and_says_why() {
    let mut function = spawn(SEQUENTIAL, "4", false).await;
    let payloads: Vec<Value> = (0..12).map(|_| json!({})).collect();
    let completions = invoke_all(&mut function, &payloads).await;
    let mut counts: Vec<u64> = completions
        .into_iter()
        .map(|done| done.into_result().unwrap().as_u64().unwrap())
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=12).collect::<Vec<_>>());
    assert_eq!(function.api().peak_in_flight(), 1);
    let logs = finished_output(&mut function).await;
    let notices: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("serves one invocation at a time"))
        .collect();
    assert_eq!(notices.len(), 1, "said once:\n{logs}");
    assert!(
        notices[0].contains("AWS_LAMBDA_MAX_CONCURRENCY is 4")
            && notices[0]
                .contains("the init state `alloc::rc::Rc<core::cell::Cell<u64>>` is not `Sync`")
            && notices[0].contains("the `concurrent` argument"),
        "{}",
        notices[0]
    );
    assert!(
        !logs.contains("concurrency-tokio"),
        "no misleading word of a missing feature:\n{logs}"
    );
}

#[tokio::test]
async fn a_setting_that_is_no_number_fails_init() {
    let mut function = spawn(CONCURRENT, "eight", false).await;
    let report = function.init_error().await.expect("init error reported");
    assert_eq!(report.diagnostic().error_type, "Runtime.InvalidEnvironment");
    assert!(report.diagnostic().error_message.contains("`eight`"));
}

/// An invocation whose Runtime API headers lambda_runtime rejects ends
/// the concurrent-loop worker it reached; the others serve on (lambda_runtime
/// keeps a Managed Instances environment running on its healthy workers).
/// Once none is left, the process exits saying so.
#[tokio::test]
async fn a_rejected_header_ends_one_worker_and_the_last_worker_ends_the_process() {
    let mut function = spawn(CONCURRENT, "2", false).await;
    let rejected = || {
        Invocation::new(json!({"id": 0}).to_string()).header("lambda-runtime-deadline-ms", "soon")
    };
    // Never answered: the worker it reaches stops.
    let _first = function.api().invoke_in_background(rejected());
    let served = function
        .invoke(&json!({"id": 1, "sleep_ms": 0}))
        .await
        .expect("answered")
        .expect("a response");
    assert_eq!(served["id"], 1, "the other worker serves on");
    let _second = function.api().invoke_in_background(rejected());
    let status = function.wait().await.expect("the process exits");
    assert!(!status.success(), "{status}");
    let output = function.output();
    assert!(
        output.contains("every worker of the concurrent loop has stopped"),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requests_run_at_once_each_with_its_own_reply() {
    let mut function = spawn(HTTP, "4", false).await;
    // Each request is answered only once four have arrived.
    let sources = [
        Source::RestApi,
        Source::HttpApi,
        Source::Alb,
        Source::FunctionUrl,
    ];
    let payloads: Vec<Value> = (0..4)
        .map(|id| {
            Req::new("POST", "/gather")
                .json(&json!({"id": id, "gather": 4}))
                .event(sources[id])
        })
        .collect();
    let completions = invoke_all(&mut function, &payloads).await;
    for (id, done) in completions.into_iter().enumerate() {
        let response = done.clone().into_result().expect("a response");
        let reply = Reply::read(sources[id], &response);
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(
            reply.json(),
            json!({"id": id, "requestId": done.request_id})
        );
    }
    assert_eq!(function.api().peak_in_flight(), 4);
    let logs = finished_output(&mut function).await;
    assert!(
        logs.contains("serving up to 4 invocations at once"),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_batches_run_at_once_each_with_its_own_failures() {
    let mut function = spawn(SQS, "4", false).await;
    // One record of each batch waits until four have arrived (qty 1004),
    // so the batches only finish when four run at once; each batch also
    // has a record that fails, reported in that batch's answer alone.
    let batches: Vec<SqsBatch> = (0..4)
        .map(|i| {
            SqsBatch::new()
                .json(&json!({"id": i * 10, "qty": 1004}))
                .json(&json!({"id": i * 10 + 1, "qty": 0}))
        })
        .collect();
    let payloads: Vec<Value> = batches.iter().map(SqsBatch::event).collect();
    let completions = invoke_all(&mut function, &payloads).await;
    for (batch, done) in batches.iter().zip(completions) {
        let answer = done.into_result().expect("a batch response");
        assert_eq!(
            lambda_kit::testing::events::batch_item_failures(&answer),
            vec![batch.message_id(1)]
        );
    }
    assert_eq!(function.api().peak_in_flight(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invocation_keeps_its_own_deadline() {
    let mut function = spawn(CONCURRENT, "4", false).await;
    function
        .api()
        .set_timeout(std::time::Duration::from_secs(2));
    // One outlives its deadline; the others, queued with it, do not wait.
    let mut payloads = vec![json!({"id": 0, "sleep_ms": 600_000})];
    payloads.extend((1..30).map(|id| json!({"id": id, "sleep_ms": 1})));
    let completions = invoke_all(&mut function, &payloads).await;
    let error = completions[0].clone().into_result().unwrap_err();
    assert_eq!(error.error_type, lambda_kit::TIMEOUT_ERROR);
    for (id, done) in completions.iter().enumerate().skip(1) {
        assert_eq!(
            done.clone().into_result(),
            Ok(json!({"id": id, "request_id": done.request_id})),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_whose_routes_are_send_serves_at_once() {
    let mut function = spawn(ROUTER, "4", false).await;
    let mut payloads: Vec<Value> = (0..4)
        .map(|id| {
            Req::new("POST", &format!("/gather/{id}"))
                .json(&json!({"gather": 4}))
                .event(Source::HttpApi)
        })
        .collect();
    payloads.push(Req::new("HEAD", "/ping").event(Source::HttpApi));
    payloads.push(Req::new("GET", "/nowhere").event(Source::HttpApi));
    let completions = invoke_all(&mut function, &payloads).await;
    for (id, done) in completions.iter().take(4).enumerate() {
        let reply = Reply::read(Source::HttpApi, &done.clone().into_result().unwrap());
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(
            reply.json(),
            json!({"id": id, "requestId": done.request_id})
        );
    }
    let head = Reply::read(
        Source::HttpApi,
        &completions[4].clone().into_result().unwrap(),
    );
    assert_eq!((head.status, head.body.is_empty()), (200, true), "{head:?}");
    let missing = Reply::read(
        Source::HttpApi,
        &completions[5].clone().into_result().unwrap(),
    );
    assert_eq!(missing.status, 404);
    assert!(function.api().peak_in_flight() >= 4);
    let logs = finished_output(&mut function).await;
    assert!(
        logs.contains("serving up to 4 invocations at once"),
        "{logs}"
    );
}

#[tokio::test]
async fn a_router_with_a_route_that_is_not_send_names_it_and_serves_one_at_a_time() {
    let mut function = spawn(SEQUENTIAL_ROUTER, "4", false).await;
    let payloads: Vec<Value> = (0..6)
        .map(|i| {
            Req::new("GET", if i % 2 == 0 { "/ping" } else { "/local" }).event(Source::FunctionUrl)
        })
        .collect();
    let completions = invoke_all(&mut function, &payloads).await;
    for (i, done) in completions.into_iter().enumerate() {
        let reply = Reply::read(Source::FunctionUrl, &done.into_result().unwrap());
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body,
            if i % 2 == 0 { "pong" } else { "local" }.as_bytes()
        );
    }
    assert_eq!(function.api().peak_in_flight(), 1);
    let logs = finished_output(&mut function).await;
    assert!(
        logs.contains("serves one invocation at a time: the future of route `local` is not `Send`"),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_cancels_each_invocation_cut_short_before_it_ends() {
    let mut command = tokio::process::Command::new(CONCURRENT);
    command
        .env(MAX_CONCURRENCY_ENV, "4")
        .env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", "50");
    let mut function = Function::spawn_command(command).await.unwrap();
    let answers: Vec<_> = (0..3)
        .map(|id| {
            function
                .api()
                .invoke_in_background(json!({"id": id, "sleep_ms": 600_000}).to_string())
        })
        .collect();
    function
        .wait_for_output(
            |output| output.matches("started").count() >= 3,
            lambda_kit::testing::DEFAULT_TIMEOUT,
        )
        .await
        .unwrap();
    function.signal("TERM").unwrap();
    for answer in answers {
        let error = answer.await.unwrap().into_result().unwrap_err();
        assert_eq!(error.error_type, lambda_kit::SHUTDOWN_TIMEOUT_ERROR);
    }
    let status = function.wait().await.unwrap();
    let logs = function.output();
    assert!(status.success(), "{status}\n{logs}");
    // Each handler was dropped on its worker before the bootstrap said it
    // was done, not left running through the shutdown.
    let summary = logs
        .find("shutting down on SIGTERM")
        .unwrap_or_else(|| panic!("no summary:\n{logs}"));
    assert_eq!(
        logs[..summary].matches("dropped unfinished").count(),
        3,
        "{logs}"
    );
}
