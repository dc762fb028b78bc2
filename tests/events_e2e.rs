//! Event sources end to end: the real compiled SQS, Kinesis and DynamoDB
//! Streams bootstraps driven through the Runtime API emulator with mixed
//! batches, asserting the exact partial batch responses and what was
//! logged for each record; and the typed S3 and SNS events.

use std::time::Duration;

use lambda_kit::testing::events::{
    batch_item_failures, s3_put, sns, DynamoDbBatch, KinesisBatch, SqsBatch,
};
use lambda_kit::testing::Function;
use serde_json::{json, Value};

const SQS: &str = env!("CARGO_BIN_EXE_batch_sqs");
const KINESIS: &str = env!("CARGO_BIN_EXE_batch_kinesis");
const DYNAMODB: &str = env!("CARGO_BIN_EXE_batch_dynamodb");
const S3_KEYS: &str = env!("CARGO_BIN_EXE_s3_keys");
const SNS_ORDERS: &str = env!("CARGO_BIN_EXE_sns_orders");

fn order(id: u64, qty: u32) -> Value {
    json!({"id": id, "qty": qty})
}

async fn spawn(path: &str, env: &[(&str, &str)]) -> Function {
    let mut command = tokio::process::Command::new(path);
    command.envs(env.iter().copied());
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

/// Everything the function wrote, read once it has exited.
async fn finished_output(function: &mut Function) -> String {
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

/// The one log line that mentions all of `parts`.
fn line_with<'a>(output: &'a str, parts: &[&str]) -> &'a str {
    let mut lines = output
        .lines()
        .filter(|line| parts.iter().all(|part| line.contains(part)));
    let line = lines
        .next()
        .unwrap_or_else(|| panic!("no line with {parts:?}:\n{output}"));
    assert!(
        lines.next().is_none(),
        "more than one line with {parts:?}:\n{output}"
    );
    line
}

#[tokio::test]
async fn a_standard_queue_reports_exactly_the_records_that_failed() {
    let mut function = spawn(SQS, &[]).await;
    let batch = SqsBatch::new()
        .json(&order(1, 2))
        .body("not json")
        .json(&json!({"id": 3, "qty": "many"}))
        .json(&order(4, 0))
        .json(&order(5, 13))
        .json(&order(6, 1));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [1, 2, 3, 4].map(|i| batch.message_id(i)),
        "{response}"
    );
    // The process survived the panic and keeps serving.
    let again = SqsBatch::new().json(&order(7, 1));
    let response = function.invoke(&again.event()).await.unwrap().unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));

    let output = finished_output(&mut function).await;
    // Each failure is logged once, in a span carrying its message id.
    let id = |i: usize| format!("messageId={}", batch.message_id(i));
    let line = line_with(&output, &[&id(1), "record failed"]);
    assert!(line.contains("Runtime.UnmarshalError"), "{line}");
    let line = line_with(&output, &[&id(2), "record failed"]);
    assert!(
        line.contains("body: qty: invalid type: string \"many\", expected u32"),
        "the field path is named: {line}"
    );
    let line = line_with(&output, &[&id(3), "record failed"]);
    assert!(
        line.contains("order 4 has no items") && line.contains("EmptyOrder"),
        "{line}"
    );
    let line = line_with(&output, &[&id(4), "record failed"]);
    assert!(
        line.contains("unlucky order 5") && line.contains("Panic"),
        "{line}"
    );
    // The good records ran, in their own spans, with their metadata.
    for (i, id_value) in [(0, 1), (5, 6)] {
        let order = format!("placing order id={id_value} ");
        let line = line_with(&output, &[&id(i), &order]);
        assert!(line.contains("receives=\"1\""), "{line}");
    }
}

#[tokio::test]
async fn a_fifo_queue_stops_at_the_first_failure_and_reports_the_rest() {
    let mut function = spawn(SQS, &[]).await;
    let batch = SqsBatch::fifo()
        .json(&order(1, 1))
        .json(&order(2, 0))
        .json(&order(3, 1))
        .json(&order(4, 1));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [1, 2, 3].map(|i| batch.message_id(i)),
        "{response}"
    );
    let output = finished_output(&mut function).await;
    line_with(&output, &["placing order", "id=1"]);
    line_with(&output, &["placing order", "id=2"]);
    for later in ["id=3", "id=4"] {
        assert!(
            !output
                .lines()
                .any(|line| line.contains("placing order") && line.contains(later)),
            "records after the failure must not run, to keep the order:\n{output}"
        );
    }
    line_with(&output, &["2 later record(s) not processed"]);
}

#[tokio::test]
async fn a_batch_of_nothing_but_failures_fails_the_invocation() {
    let mut function = spawn(SQS, &[]).await;
    let batch = SqsBatch::new().json(&order(1, 0)).body("{}");
    let error = function.invoke(&batch.event()).await.unwrap().unwrap_err();
    assert_eq!(error.error_type, "Runtime.BatchFailed");
    assert!(
        error
            .error_message
            .contains("none of the batch's 2 record(s)"),
        "{}",
        error.error_message
    );
    // An empty batch is a success with nothing to report.
    let response = function
        .invoke(&SqsBatch::new().event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch_item_failures(&response), Vec::<String>::new());
}

#[tokio::test]
async fn a_record_without_a_message_id_fails_the_batch_whole() {
    let mut function = spawn(SQS, &[]).await;
    let mut event = SqsBatch::new()
        .json(&order(1, 1))
        .json(&order(2, 1))
        .event();
    event["Records"][1]
        .as_object_mut()
        .unwrap()
        .remove("messageId");
    let error = function.invoke(&event).await.unwrap().unwrap_err();
    assert_eq!(error.error_type, "Runtime.UnmarshalError");
    assert!(
        error
            .error_message
            .starts_with("Records[1] has no messageId"),
        "{}",
        error.error_message
    );
    let output = finished_output(&mut function).await;
    assert!(
        !output.contains("placing order"),
        "nothing runs before the batch is accepted:\n{output}"
    );
}

#[tokio::test]
async fn records_near_the_deadline_are_reported_instead_of_timing_out_the_batch() {
    let mut command = tokio::process::Command::new(SQS);
    command.env("LAMBDA_KIT_DEADLINE_MARGIN_MS", "100");
    let mut function = Function::spawn_command(command)
        .await
        .expect("the bootstrap starts");
    // Init done first, so the short deadline is all the batch's.
    let empty = function.invoke(&SqsBatch::new().event()).await.unwrap();
    assert_eq!(empty, Ok(json!({"batchItemFailures": []})));
    function.api().set_timeout(Duration::from_secs(2));
    // Record 1 never finishes: it is cancelled at the batch's cutoff and
    // the records after it never start.
    let batch = SqsBatch::new()
        .json(&order(1, 1))
        .json(&order(2, 99))
        .json(&order(3, 1))
        .json(&order(4, 1));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [1, 2, 3].map(|i| batch.message_id(i)),
        "{response}"
    );
    let output = finished_output(&mut function).await;
    let line = line_with(
        &output,
        &[
            &format!("messageId={}", batch.message_id(1)),
            "record failed",
        ],
    );
    assert!(
        line.contains("Runtime.Timeout")
            && line.contains("200 ms before the invocation's deadline"),
        "{line}"
    );
    line_with(&output, &["2 record(s) not started"]);
    assert!(!output.contains("id=3"), "{output}");
}

#[tokio::test]
async fn standard_queue_records_run_concurrently_up_to_the_configured_bound() {
    // Each record waits until all four have started: they can only finish
    // if four run at once.
    let batch = SqsBatch::new()
        .json(&order(1, 1004))
        .json(&order(2, 1004))
        .json(&order(3, 0))
        .json(&order(4, 1004))
        .json(&order(5, 1004));
    let mut function = spawn(SQS, &[("LAMBDA_KIT_BATCH_CONCURRENCY", "4")]).await;
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [batch.message_id(2)],
        "{response}"
    );
    // Never more than the bound at once.
    let output = finished_output(&mut function).await;
    let most = output
        .lines()
        .filter_map(|line| line.split("running=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<usize>().ok())
        .max();
    assert_eq!(most, Some(4), "{output}");

    // One at a time (the default), the first record waits for the others
    // until the cutoff: it is cancelled and the rest never start.
    let mut function = spawn(SQS, &[]).await;
    let empty = function.invoke(&SqsBatch::new().event()).await.unwrap();
    assert_eq!(empty, Ok(json!({"batchItemFailures": []})));
    function.api().set_timeout(Duration::from_secs(1));
    let error = function.invoke(&batch.event()).await.unwrap().unwrap_err();
    assert_eq!(error.error_type, "Runtime.BatchFailed");
}

#[tokio::test]
async fn a_bad_concurrency_setting_is_an_init_error() {
    let mut function = spawn(SQS, &[("LAMBDA_KIT_BATCH_CONCURRENCY", "0")]).await;
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, "Runtime.InvalidEnvironment");
    assert!(
        report
            .error_message
            .starts_with("LAMBDA_KIT_BATCH_CONCURRENCY must be a whole number of records from 1"),
        "{}",
        report.error_message
    );
    assert!(!function.wait().await.unwrap().success());
}

#[tokio::test]
async fn kinesis_reports_only_the_first_failure_and_stops() {
    let mut function = spawn(KINESIS, &[]).await;
    let reading = |sensor: &str, celsius: f64| json!({"sensor": sensor, "celsius": celsius});
    let batch = KinesisBatch::new()
        .json(&reading("a", 20.5))
        .data(b"\xff not json")
        .json(&reading("c", -300.0))
        .json(&reading("d", 21.0));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [batch.sequence_number(1)],
        "{response}"
    );
    // Then a panic, and an error, each the first failure of its batch.
    let batch = KinesisBatch::new()
        .json(&reading("e", 1.0))
        .json(&reading("f", 13.0))
        .json(&reading("g", 1.0));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(batch_item_failures(&response), [batch.sequence_number(1)]);
    let batch = KinesisBatch::new()
        .json(&reading("h", 1.0))
        .json(&reading("i", -300.0));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(batch_item_failures(&response), [batch.sequence_number(1)]);

    let output = finished_output(&mut function).await;
    for sensor in ["sensor=c", "sensor=d", "sensor=g"] {
        assert!(
            !output.lines().any(|line| line.contains(sensor)),
            "records after a failure must not run:\n{output}"
        );
    }
    let line = line_with(&output, &["unlucky sensor f", "record failed"]);
    assert!(line.contains("sequenceNumber="), "{line}");
    let line = line_with(&output, &["sensor i reads below absolute zero"]);
    assert!(line.contains("Impossible"), "{line}");
}

#[tokio::test]
async fn dynamodb_changes_arrive_typed_and_stop_at_the_first_failure() {
    let mut function = spawn(DYNAMODB, &[]).await;
    let key = |id: &str| json!({"id": id});
    let item = |id: &str, qty: u32| json!({"id": id, "qty": qty});
    let batch = DynamoDbBatch::new()
        .insert(&key("o-1"), &item("o-1", 2))
        .modify(&key("o-1"), &item("o-1", 2), &item("o-1", 0))
        .remove(&key("o-1"), &item("o-1", 2));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [batch.sequence_number(1)],
        "{response}"
    );
    // An image that does not fit the handler's type names its field.
    let batch = DynamoDbBatch::new()
        .insert(&key("o-2"), &item("o-2", 1))
        .insert(&key("o-3"), &json!({"id": "o-3", "qty": "many"}));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(batch_item_failures(&response), [batch.sequence_number(1)]);

    let output = finished_output(&mut function).await;
    line_with(&output, &["key=o-1", "kind=Insert"]);
    assert!(!output.contains("kind=Remove"), "{output}");
    line_with(&output, &["order o-1 has no items", "record failed"]);
    let line = line_with(&output, &["NewImage.qty"]);
    assert!(line.contains("Runtime.UnmarshalError"), "{line}");
}

#[tokio::test]
async fn s3_keys_arrive_decoded_and_a_malformed_one_is_refused() {
    let mut function = spawn(S3_KEYS, &[]).await;
    // S3 sends `my file(1)+x.txt` as `my+file%281%29%2Bx.txt`.
    let event = s3_put("uploads", "in/my file(1)+x é.txt");
    assert_eq!(
        event["Records"][0]["s3"]["object"]["key"],
        json!("in/my+file%281%29%2Bx+%C3%A9.txt")
    );
    let keys = function.invoke(&event).await.unwrap().unwrap();
    assert_eq!(keys, json!(["uploads/in/my file(1)+x é.txt"]));

    let mut event = s3_put("uploads", "a");
    event["Records"][0]["s3"]["object"]["key"] = json!("100%");
    let error = function.invoke(&event).await.unwrap().unwrap_err();
    assert_eq!(error.error_type, "Runtime.UnmarshalError");
    assert!(
        error
            .error_message
            .starts_with("Records[0].s3.object.key: "),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn sns_messages_decode_into_the_handlers_type() {
    let mut function = spawn(SNS_ORDERS, &[]).await;
    let total = function
        .invoke(&sns(&json!({"id": "o-1", "qty": 3})))
        .await
        .unwrap();
    assert_eq!(total, Ok(json!(3)));
    let error = function
        .invoke(&sns(&json!({"id": "o-2", "qty": "three"})))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.error_type, "Runtime.UnmarshalError");
    assert!(
        error
            .error_message
            .starts_with("Records[0].Sns.Message: invalid type: string"),
        "{}",
        error.error_message
    );
}
