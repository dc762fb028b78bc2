//! Metrics end to end: the real metrics bootstrap (bootstraps/metrics_fixture.rs)
//! under the Runtime API emulator, every Embedded Metric Format line it
//! writes checked against the EMF specification by one validator
//! ([`emf_documents`]), then against what the invocations recorded:
//! counters summed, gauges last, histograms as values and counts, the
//! metrics of `init` in the first flush, units, labels as dimensions,
//! `ColdStart` once, the service and namespace from either set of
//! variables, splitting at CloudWatch's limits, invalid names dropped with
//! one warning, a flush for every way an invocation ends, before the next
//! one is asked for, and local mode's streams. Also the log lines' other
//! additions of the same change: `correlationId` (API Gateway, ALB, SQS)
//! and the DEBUG sampling rate.
//!
//! Every assertion is on the output of a process that has exited (complete
//! and ordered: under Lambda, logs and EMF share stdout).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Duration;

use lambda_kit::testing::events::SqsBatch;
use lambda_kit::testing::http::{Req, Source};
use lambda_kit::testing::{Function, DEFAULT_TIMEOUT, FUNCTION_NAME};
use lambda_kit::Diagnostic;
use serde_json::{json, Map, Value};

const FIXTURE: &str = env!("CARGO_BIN_EXE_metrics_fixture");
const HTTP: &str = env!("CARGO_BIN_EXE_http_fixture");
const SQS: &str = env!("CARGO_BIN_EXE_batch_sqs");

/// The namespace most tests configure.
const NAMESPACE: &str = "LambdaKitTests";

/// Variables the tests set themselves: never inherited from the
/// environment `cargo test` runs in.
const CLEARED: [&str; 13] = [
    "LAMBDA_KIT_METRICS",
    "LAMBDA_KIT_METRICS_NAMESPACE",
    "LAMBDA_KIT_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_DISABLED",
    "LAMBDA_KIT_LOG_DEBUG_SAMPLE_RATE",
    "POWERTOOLS_LOGGER_SAMPLE_RATE",
    "AWS_LAMBDA_LOG_LEVEL",
    "AWS_LAMBDA_LOG_FORMAT",
    "RUST_LOG",
    // Panics stay one line: the tests read the output line by line.
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
];

fn command(path: &str, env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(path);
    for name in CLEARED {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command
}

async fn spawn(path: &str, env: &[(&str, &str)]) -> Function {
    Function::spawn_command(command(path, env))
        .await
        .expect("the bootstrap starts")
}

/// The fixture with [`NAMESPACE`] and `env`.
async fn fixture(env: &[(&str, &str)]) -> Function {
    let mut all = vec![("LAMBDA_KIT_METRICS_NAMESPACE", NAMESPACE)];
    all.extend_from_slice(env);
    spawn(FIXTURE, &all).await
}

async fn invoke(function: &mut Function, event: &Value) -> Result<Value, Diagnostic> {
    match function.invoke(event).await {
        Ok(outcome) => outcome,
        Err(err) => panic!(
            "no answer to {event}: {err}; output so far:\n{}",
            function.output()
        ),
    }
}

/// Everything the function wrote, once it has exited.
async fn finished_output(function: &mut Function) -> String {
    // The exit is bounded by the emulator's timeout: the default, whatever
    // the invocations had.
    function.api().set_timeout(DEFAULT_TIMEOUT);
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

/// Runs `events` one after the other in one process; their outcomes and
/// the finished output.
async fn run(env: &[(&str, &str)], events: &[Value]) -> (Vec<Result<Value, Diagnostic>>, String) {
    let mut function = fixture(env).await;
    let mut outcomes = Vec::new();
    for event in events {
        outcomes.push(invoke(&mut function, event).await);
    }
    (outcomes, finished_output(&mut function).await)
}

// ---------------------------------------------------------------------------
// The EMF validator

/// One EMF document and the line of the output it was on.
#[derive(Debug)]
struct Emf {
    line: usize,
    doc: Map<String, Value>,
}

/// CloudWatch's units (`MetricDatum.Unit`), the only values `Unit` may take.
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Every line of `output` that is a JSON object with `_aws`, in order,
/// each checked against the EMF specification
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>)
/// with `namespace` as every directive's namespace. A line that mentions
/// `_aws` but is not such an object fails too.
fn emf_documents(output: &str, namespace: &str) -> Vec<Emf> {
    let mut documents = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let parsed = serde_json::from_str::<Value>(line).ok();
        let doc = match parsed {
            Some(Value::Object(doc)) if doc.contains_key("_aws") => doc,
            _ => {
                assert!(
                    !line.starts_with("{\"") || !line.contains("\"_aws\""),
                    "line {index} looks like EMF but is not a JSON object with _aws: {line}"
                );
                continue;
            }
        };
        validate(&doc, namespace, line);
        documents.push(Emf { line: index, doc });
    }
    documents
}

/// The specification's rules for one document (`line` for the messages).
fn validate(doc: &Map<String, Value>, namespace: &str, line: &str) {
    let aws = doc["_aws"]
        .as_object()
        .unwrap_or_else(|| panic!("_aws is not an object: {line}"));
    let timestamp = aws
        .get("Timestamp")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("_aws.Timestamp is not an integer: {line}"));
    // Milliseconds since the epoch, not seconds: later than 2001.
    assert!(
        timestamp > 1_000_000_000_000,
        "_aws.Timestamp is not in milliseconds: {line}"
    );
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("_aws.CloudWatchMetrics is not an array: {line}"));
    assert!(
        !directives.is_empty(),
        "_aws.CloudWatchMetrics is empty: {line}"
    );
    for directive in directives {
        let directive = directive
            .as_object()
            .unwrap_or_else(|| panic!("a directive is not an object: {line}"));
        assert_eq!(
            directive.get("Namespace").and_then(Value::as_str),
            Some(namespace),
            "Namespace: {line}"
        );
        let sets = directive
            .get("Dimensions")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("Dimensions is not an array: {line}"));
        let mut dimension_names = BTreeSet::new();
        for set in sets {
            let set = set
                .as_array()
                .unwrap_or_else(|| panic!("a dimension set is not an array: {line}"));
            assert!(set.len() <= 30, "a dimension set over 30: {line}");
            for name in set {
                let name = name
                    .as_str()
                    .unwrap_or_else(|| panic!("a dimension name is not a string: {line}"));
                assert!(valid_name(name), "dimension name {name:?}: {line}");
                assert!(
                    doc.get(name).is_some_and(Value::is_string),
                    "dimension {name:?} is not a top-level string member: {line}"
                );
                dimension_names.insert(name);
            }
        }
        let metrics = directive
            .get("Metrics")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("Metrics is not an array: {line}"));
        assert!(metrics.len() <= 100, "over 100 metrics: {line}");
        let mut metric_names = BTreeSet::new();
        for metric in metrics {
            let metric = metric
                .as_object()
                .unwrap_or_else(|| panic!("a metric definition is not an object: {line}"));
            let name = metric
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("a metric without a Name: {line}"));
            assert!(valid_name(name), "metric name {name:?}: {line}");
            assert!(
                metric_names.insert(name),
                "metric {name:?} defined twice: {line}"
            );
            assert!(
                !dimension_names.contains(name),
                "{name:?} is a dimension and a metric: {line}"
            );
            if let Some(unit) = metric.get("Unit") {
                let unit = unit.as_str().unwrap_or_default();
                assert!(UNITS.contains(&unit), "unit {unit:?}: {line}");
            }
            if let Some(resolution) = metric.get("StorageResolution") {
                assert!(
                    [json!(1), json!(60)].contains(resolution),
                    "StorageResolution: {line}"
                );
            }
            validate_value(
                doc.get(name)
                    .unwrap_or_else(|| panic!("metric {name:?} has no member: {line}")),
                line,
            );
        }
    }
}

/// A number, an array of at most 100 numbers, or `{"Values", "Counts"}`
/// with arrays of equal length, at most 100.
fn validate_value(value: &Value, line: &str) {
    let numbers = |values: &Value, what: &str| -> usize {
        let values = values
            .as_array()
            .unwrap_or_else(|| panic!("{what} is not an array: {line}"));
        assert!(values.len() <= 100, "{what} over 100 values: {line}");
        assert!(
            values.iter().all(Value::is_number),
            "{what} holds something other than numbers: {line}"
        );
        values.len()
    };
    match value {
        Value::Number(_) => {}
        Value::Array(_) => {
            numbers(value, "an array value");
        }
        Value::Object(histogram) => {
            let values = numbers(&histogram["Values"], "Values");
            let counts = numbers(&histogram["Counts"], "Counts");
            assert_eq!(values, counts, "Values and Counts differ in length: {line}");
            assert!(values > 0, "an empty histogram: {line}");
        }
        _ => panic!("a metric value that is not a number: {line}"),
    }
}

/// CloudWatch's names: 1 to 255 characters, printable ASCII.
fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && name != "_aws"
}

impl Emf {
    fn directive(&self) -> &Map<String, Value> {
        self.doc["_aws"]["CloudWatchMetrics"][0]
            .as_object()
            .unwrap()
    }

    /// The metrics' names, in the document's order.
    fn metrics(&self) -> Vec<&str> {
        self.directive()["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap())
            .collect()
    }

    fn has(&self, metric: &str) -> bool {
        self.metrics().contains(&metric)
    }

    fn unit(&self, metric: &str) -> Option<&str> {
        self.directive()["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|definition| definition["Name"] == metric)
            .and_then(|definition| definition.get("Unit"))
            .and_then(Value::as_str)
    }

    fn dimensions(&self) -> Vec<Vec<&str>> {
        self.directive()["Dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|set| {
                set.as_array()
                    .unwrap()
                    .iter()
                    .map(|name| name.as_str().unwrap())
                    .collect()
            })
            .collect()
    }

    fn member(&self, name: &str) -> &Value {
        self.doc
            .get(name)
            .unwrap_or_else(|| panic!("no member {name:?} in {:?}", self.doc))
    }
}

/// The documents holding `metric`.
fn with_metric<'a>(docs: &'a [Emf], metric: &str) -> Vec<&'a Emf> {
    docs.iter().filter(|doc| doc.has(metric)).collect()
}

/// The one document holding `metric`.
fn only_with<'a>(docs: &'a [Emf], metric: &str) -> &'a Emf {
    match with_metric(docs, metric)[..] {
        [doc] => doc,
        ref found => panic!("{} documents with {metric}: {docs:#?}", found.len()),
    }
}

fn assert_count(docs: &[Emf], expected: usize, output: &str) {
    assert_eq!(docs.len(), expected, "EMF documents; the output:\n{output}");
}

// ---------------------------------------------------------------------------
// What is recorded

#[tokio::test]
async fn counters_sum_gauges_keep_the_last_value_and_histograms_count_each_value() {
    let (outcomes, output) = run(&[], &[json!({"values": 3, "channel": "web"}), json!({})]).await;
    assert_eq!(outcomes, [Ok(json!("recorded")), Ok(json!("recorded"))]);
    let docs = emf_documents(&output, NAMESPACE);
    // First flush: the service's metrics, the labelled `orders`, ColdStart;
    // second: the service's metrics.
    assert_count(&docs, 4, &output);

    // Recorded in init, written with the first flush only.
    let first = only_with(&docs, "inits");
    assert_eq!(first.member("inits"), &json!(1));
    assert_eq!(first.dimensions(), [["service"]]);
    assert_eq!(first.member("service"), FUNCTION_NAME);
    assert_eq!(
        first.metrics(),
        ["inits", "latency", "queue_depth", "requests"]
    );
    // increment(1) + increment(2); set(7) then set(3).
    assert_eq!(first.member("requests"), &json!(3));
    assert_eq!(first.member("queue_depth"), &json!(3.0));
    // 0, 1, 2, each recorded twice.
    assert_eq!(
        first.member("latency"),
        &json!({"Values": [0.0, 1.0, 2.0], "Counts": [2, 2, 2]})
    );
    // Units: from describe_histogram!, Count for counters, none for a
    // gauge nobody described.
    assert_eq!(first.unit("latency"), Some("Milliseconds"));
    assert_eq!(first.unit("requests"), Some("Count"));
    assert_eq!(first.unit("inits"), Some("Count"));
    assert_eq!(first.unit("queue_depth"), None);
    assert!(
        !first.doc.contains_key("channel"),
        "the label stays in its own document"
    );

    // The label is a dimension, in a document of its own.
    let orders = only_with(&docs, "orders");
    assert_eq!(orders.metrics(), ["orders"]);
    assert_eq!(orders.dimensions(), [["service", "channel"]]);
    assert_eq!(orders.member("channel"), "web");
    assert_eq!(orders.member("service"), FUNCTION_NAME);
    assert_eq!(orders.member("orders"), &json!(1));

    // The second invocation's own values, nothing carried over.
    let second = docs.last().unwrap();
    assert_eq!(second.metrics(), ["queue_depth", "requests"]);
    assert_eq!(second.member("requests"), &json!(3));
    assert!(first.line < second.line);
    assert_eq!(with_metric(&docs, "latency").len(), 1);
}

#[tokio::test]
async fn metrics_are_written_before_the_next_invocation_is_asked_for() {
    let mut function = fixture(&[]).await;
    assert_eq!(
        invoke(&mut function, &json!({"channel": "first"})).await,
        Ok(json!("recorded"))
    );
    // The bootstrap is back in `invocation/next` and nothing is queued: the
    // first invocation's metrics must be out already (a flush deferred to
    // the next invocation would never come, and this would fail).
    function.api().wait_for_polls(2).await.unwrap();
    function
        .wait_for_output(|out| out.contains(r#""channel":"first""#), DEFAULT_TIMEOUT)
        .await
        .unwrap_or_else(|err| panic!("{err}; output:\n{}", function.output()));

    let second = function
        .invoke_raw(json!({"channel": "second", "then": "fail"}).to_string())
        .await
        .unwrap();
    let output = finished_output(&mut function).await;
    let docs = emf_documents(&output, NAMESPACE);
    assert_count(&docs, 5, &output);
    let channel = |name: &str| {
        docs.iter()
            .find(|doc| doc.doc.get("channel") == Some(&json!(name)))
            .unwrap_or_else(|| panic!("no orders for {name}:\n{output}"))
            .line
    };
    let lines: Vec<&str> = output.lines().collect();
    // Every line of the first invocation's flush comes before anything of
    // the second: its log lines (by request id) and its metrics.
    let last_of_first = docs
        .iter()
        .filter(|doc| doc.line <= channel("first"))
        .map(|doc| doc.line)
        .max()
        .unwrap();
    let second_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(&format!("requestId={}", second.request_id)))
        .collect();
    assert!(
        !second_lines.is_empty(),
        "the failure is logged in its span:\n{output}"
    );
    assert!(
        last_of_first < second_lines[0] && last_of_first < channel("second"),
        "the first flush is not all before the second invocation:\n{output}"
    );
}

#[tokio::test]
async fn cold_start_is_recorded_once_with_service_and_function_name() {
    // Neither namespace nor service set: both are the function's name.
    let mut function = spawn(FIXTURE, &[]).await;
    for _ in 0..3 {
        assert_eq!(
            invoke(&mut function, &json!({})).await,
            Ok(json!("recorded"))
        );
    }
    let output = finished_output(&mut function).await;
    let docs = emf_documents(&output, FUNCTION_NAME);
    // 2 + 1 + 1.
    assert_count(&docs, 4, &output);
    let cold = only_with(&docs, "ColdStart");
    assert_eq!(cold.metrics(), ["ColdStart"]);
    assert_eq!(cold.member("ColdStart"), &json!(1));
    assert_eq!(cold.unit("ColdStart"), Some("Count"));
    assert_eq!(cold.dimensions(), [["service", "function_name"]]);
    assert_eq!(cold.member("service"), FUNCTION_NAME);
    assert_eq!(cold.member("function_name"), FUNCTION_NAME);
    // With the first invocation's flush.
    assert!(cold.line < docs[2].line);
    for doc in &docs {
        assert_eq!(doc.member("service"), FUNCTION_NAME);
    }
}

#[tokio::test]
async fn powertools_variables_set_the_service_and_namespace() {
    let (_, output) = run(
        &[
            // `fixture` sets ours: a blank one counts as unset.
            ("LAMBDA_KIT_METRICS_NAMESPACE", ""),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
            ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
        ],
        &[json!({"channel": "web"})],
    )
    .await;
    let docs = emf_documents(&output, "Shop");
    assert_count(&docs, 3, &output);
    for doc in &docs {
        assert_eq!(doc.member("service"), "orders", "{output}");
    }
    let cold = only_with(&docs, "ColdStart");
    assert_eq!(cold.member("function_name"), FUNCTION_NAME);
}

#[tokio::test]
async fn our_variables_take_precedence_over_powertools() {
    let (_, output) = run(
        &[
            ("LAMBDA_KIT_METRICS_NAMESPACE", "Ours"),
            ("LAMBDA_KIT_SERVICE_NAME", "checkout"),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
            ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
        ],
        &[json!({"channel": "web"})],
    )
    .await;
    let docs = emf_documents(&output, "Ours");
    assert_count(&docs, 3, &output);
    for doc in &docs {
        assert_eq!(doc.member("service"), "checkout", "{output}");
    }
}

#[tokio::test]
async fn metrics_turned_off_write_no_emf_at_all() {
    for off in [
        ("LAMBDA_KIT_METRICS", "off"),
        ("POWERTOOLS_METRICS_DISABLED", "true"),
    ] {
        let (outcomes, output) = run(
            &[off],
            &[
                json!({"channel": "web", "values": 2}),
                json!({"counters": 3}),
            ],
        )
        .await;
        assert_eq!(outcomes, [Ok(json!("recorded")), Ok(json!("recorded"))]);
        assert_count(&emf_documents(&output, NAMESPACE), 0, &output);
        assert!(!output.contains("_aws"), "{off:?}:\n{output}");
    }
}

#[tokio::test]
async fn an_invocation_that_records_nothing_writes_nothing() {
    let (outcomes, output) = run(&[], &[json!({}), json!({"quiet": true})]).await;
    assert_eq!(
        outcomes,
        [Ok(json!("recorded")), Ok(json!("recorded nothing"))]
    );
    let (_, alone) = run(&[], &[json!({})]).await;
    // The first invocation's documents (its metrics, `inits`, ColdStart)
    // and not one more.
    assert_count(
        &emf_documents(&output, NAMESPACE),
        emf_documents(&alone, NAMESPACE).len(),
        &output,
    );
}

// ---------------------------------------------------------------------------
// CloudWatch's limits

/// The documents after the first flush (whose `inits` and `ColdStart`
/// would be in the way): the fixture's first invocation records the two
/// service-level metrics only.
fn after_first_flush(docs: &[Emf]) -> &[Emf] {
    let cold = only_with(docs, "ColdStart");
    assert_eq!(docs[..2].iter().filter(|doc| doc.has("inits")).count(), 1);
    assert!(std::ptr::eq(cold, &docs[1]), "{docs:#?}");
    &docs[2..]
}

#[tokio::test]
async fn two_hundred_fifty_counters_go_out_in_documents_of_100() {
    let (_, output) = run(&[], &[json!({}), json!({"counters": 250})]).await;
    let docs = emf_documents(&output, NAMESPACE);
    // 250 + requests + queue_depth = 252 metrics: 100, 100, 52.
    assert_count(&docs, 2 + 3, &output);
    let split = after_first_flush(&docs);
    let sizes: Vec<usize> = split.iter().map(|doc| doc.metrics().len()).collect();
    assert_eq!(sizes, [100, 100, 52], "{output}");
    let mut seen = BTreeMap::new();
    for doc in split {
        assert_eq!(doc.dimensions(), [["service"]]);
        for name in doc.metrics() {
            assert!(
                seen.insert(name.to_owned(), doc.member(name).clone())
                    .is_none(),
                "{name} twice"
            );
        }
    }
    assert_eq!(seen.len(), 252);
    for i in 0..250u64 {
        assert_eq!(seen[&format!("c{i:03}")], json!(i), "c{i:03}");
    }
    assert_eq!(seen["requests"], json!(3));
}

#[tokio::test]
async fn two_hundred_fifty_distinct_values_go_out_100_a_document() {
    let (_, output) = run(&[], &[json!({}), json!({"values": 250})]).await;
    let docs = emf_documents(&output, NAMESPACE);
    // One metric with 250 distinct values: three documents (a document
    // holds one member per name); requests and queue_depth join the first.
    assert_count(&docs, 2 + 3, &output);
    let split = after_first_flush(&docs);
    let mut values = Vec::new();
    let mut counts = 0;
    let mut sizes = Vec::new();
    for doc in split {
        assert_eq!(doc.unit("latency"), Some("Milliseconds"));
        let latency = doc.member("latency");
        let piece = latency["Values"].as_array().unwrap();
        sizes.push(piece.len());
        values.extend(piece.iter().map(|value| value.as_f64().unwrap()));
        for count in latency["Counts"].as_array().unwrap() {
            assert_eq!(count, &json!(2), "each value was recorded twice");
            counts += count.as_u64().unwrap();
        }
    }
    assert_eq!(sizes, [100, 100, 50], "{output}");
    assert_eq!(counts, 500);
    assert_eq!(values, (0..250).map(f64::from).collect::<Vec<_>>());
    assert_eq!(with_metric(split, "requests").len(), 1);
}

#[tokio::test]
async fn forty_labels_go_out_in_dimension_sets_of_at_most_30() {
    let (_, output) = run(&[], &[json!({"labels": 40})]).await;
    let docs = emf_documents(&output, NAMESPACE);
    assert_count(&docs, 3, &output);
    let wide = only_with(&docs, "wide");
    assert_eq!(wide.member("wide"), &json!(1));
    let sets = wide.dimensions();
    assert_eq!(
        sets.iter().map(Vec::len).collect::<Vec<_>>(),
        [30, 11],
        "{output}"
    );
    let mut expected = vec!["service".to_owned()];
    expected.extend((0..40).map(|i| format!("d{i:02}")));
    assert_eq!(sets.concat(), expected);
    for i in 0..40 {
        assert_eq!(wide.member(&format!("d{i:02}")), &json!(format!("v{i}")));
    }
}

// ---------------------------------------------------------------------------
// Invalid metrics, and the ways an invocation ends

#[tokio::test]
async fn invalid_names_and_values_are_dropped_with_one_warning_each() {
    let (outcomes, output) = run(&[], &[json!({"invalid": true}), json!({"invalid": true})]).await;
    assert_eq!(outcomes, [Ok(json!("recorded")), Ok(json!("recorded"))]);
    for warning in [
        "metric `` dropped",
        "metric `bad",
        "dimension `` dropped",
        "a value of metric `not_a_number` dropped",
    ] {
        let lines: Vec<&str> = output
            .lines()
            .filter(|line| line.contains(warning))
            .collect();
        assert_eq!(lines.len(), 1, "{warning}:\n{output}");
        assert!(lines[0].contains("WARN"), "{}", lines[0]);
        assert!(lines[0].contains("dropped"), "{}", lines[0]);
    }
    let docs = emf_documents(&output, NAMESPACE);
    assert_count(&docs, 3, &output);
    let flushes: Vec<&Emf> = docs.iter().filter(|doc| doc.has("requests")).collect();
    assert_eq!(flushes.len(), 2);
    for doc in flushes {
        // The valid metrics are still written; `orders` without its
        // invalid label.
        assert_eq!(doc.member("requests"), &json!(3));
        assert_eq!(doc.member("queue_depth"), &json!(3.0));
        assert_eq!(doc.member("orders"), &json!(1));
        assert_eq!(doc.dimensions(), [["service"]]);
        assert!(!doc.has("not_a_number"));
    }
}

#[tokio::test]
async fn errors_panics_and_timeouts_still_write_their_metrics() {
    let mut function = fixture(&[]).await;
    // Each invocation's deadline: the sleeping one is cut short at it.
    function.api().set_timeout(Duration::from_secs(3));
    let fail = invoke(&mut function, &json!({"channel": "fail", "then": "fail"}))
        .await
        .unwrap_err();
    assert_eq!(fail.error_message, "failed on purpose");
    let panic = invoke(&mut function, &json!({"channel": "panic", "then": "panic"}))
        .await
        .unwrap_err();
    assert_eq!(panic.error_type, "Panic");
    let timeout = invoke(&mut function, &json!({"channel": "sleep", "then": "sleep"}))
        .await
        .unwrap_err();
    assert_eq!(timeout.error_type, "Runtime.Timeout", "{timeout:?}");
    // The same process keeps serving.
    assert_eq!(
        invoke(&mut function, &json!({"channel": "after"})).await,
        Ok(json!("recorded"))
    );
    let output = finished_output(&mut function).await;
    let docs = emf_documents(&output, NAMESPACE);
    // 3 + 2 + 2 + 2: one process, one ColdStart.
    assert_count(&docs, 9, &output);
    let channels: Vec<&Value> = with_metric(&docs, "orders")
        .iter()
        .map(|doc| doc.member("channel"))
        .collect();
    assert_eq!(channels, ["fail", "panic", "sleep", "after"]);
    let requests = with_metric(&docs, "requests");
    assert_eq!(requests.len(), 4);
    for doc in requests {
        assert_eq!(doc.member("requests"), &json!(3));
    }
}

#[tokio::test]
async fn local_mode_writes_the_result_to_stdout_and_the_metrics_to_stderr() {
    let mut command = command(
        FIXTURE,
        &[
            ("LAMBDA_KIT_METRICS_NAMESPACE", NAMESPACE),
            ("LAMBDA_KIT_SERVICE_NAME", "local-service"),
        ],
    );
    let output = command
        .arg(json!({"channel": "cli", "values": 1}).to_string())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("AWS_LAMBDA_FUNCTION_NAME")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "\"recorded\"\n", "only the result on stdout");
    let docs = emf_documents(&stderr, NAMESPACE);
    // The invocation's two documents; a local run is no cold start.
    assert_count(&docs, 2, &stderr);
    assert_eq!(only_with(&docs, "orders").member("channel"), "cli");
    assert_eq!(only_with(&docs, "requests").member("requests"), &json!(3));
    assert_eq!(
        only_with(&docs, "latency").member("service"),
        "local-service"
    );
    assert!(with_metric(&docs, "ColdStart").is_empty(), "{stderr}");
}

// ---------------------------------------------------------------------------
// Log lines: correlation ids and DEBUG sampling

/// The one line that has all of `parts`.
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

/// A request the http fixture answers with a 500 it logs at ERROR.
fn failing_request() -> Req {
    Req::new("GET", "/internal")
}

/// `source`'s event for [`failing_request`] with `requestContext.requestId` set.
fn with_request_id(source: Source, id: &str) -> Value {
    let mut event = failing_request().event(source);
    event["requestContext"]["requestId"] = json!(id);
    event
}

/// Invokes the http fixture with each event (each answered 500); the
/// finished output.
async fn http_output(env: &[(&str, &str)], events: &[Value]) -> String {
    let mut function = spawn(HTTP, env).await;
    for event in events {
        let response = invoke(&mut function, event).await.unwrap();
        assert_eq!(response["statusCode"], 500, "{response}");
    }
    finished_output(&mut function).await
}

#[tokio::test]
async fn api_gateway_requests_log_their_request_id_as_correlation_id() {
    let output = http_output(
        &[],
        &[
            with_request_id(Source::RestApi, "rest-correlation"),
            with_request_id(Source::HttpApi, "v2-correlation"),
            with_request_id(Source::FunctionUrl, "url-correlation"),
        ],
    )
    .await;
    for id in ["rest-correlation", "v2-correlation", "url-correlation"] {
        line_with(
            &output,
            &["the database said no", &format!("correlationId={id}}}")],
        );
    }
}

#[tokio::test]
async fn an_alb_request_logs_its_trace_header_as_correlation_id() {
    // A target group without multi-value headers: `headers` only.
    let mut event = failing_request()
        .header("x-amzn-trace-id", "Root=1-alb-single")
        .event(Source::Alb);
    event["headers"] = json!({"x-amzn-trace-id": "Root=1-alb-single"});
    event.as_object_mut().unwrap().remove("multiValueHeaders");
    event
        .as_object_mut()
        .unwrap()
        .remove("multiValueQueryStringParameters");
    event["queryStringParameters"] = json!({});
    let output = http_output(&[], &[event]).await;
    line_with(
        &output,
        &["the database said no", "correlationId=Root=1-alb-single"],
    );
}

/// `lambda_kit::testing::http`'s ALB events are those of a target group
/// with multi-value headers on, which sends `multiValueHeaders` only: the
/// trace header is read from there too.
#[tokio::test]
async fn an_alb_request_with_multi_value_headers_logs_its_trace_header_as_correlation_id() {
    let event = failing_request()
        .header("x-amzn-trace-id", "Root=1-alb-multi")
        .event(Source::Alb);
    let output = http_output(&[], &[event]).await;
    line_with(
        &output,
        &["the database said no", "correlationId=Root=1-alb-multi"],
    );
}

#[tokio::test]
async fn correlation_ids_are_fields_of_json_log_lines() {
    let output = http_output(
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
        &[with_request_id(Source::RestApi, "json-correlation")],
    )
    .await;
    let line = line_with(&output, &["the database said no"]);
    assert!(
        line.contains(r#""correlationId":"json-correlation""#),
        "{line}"
    );
    let line: Value = serde_json::from_str(line).unwrap();
    assert_eq!(line["span"]["correlationId"], "json-correlation", "{line}");
}

#[tokio::test]
async fn an_sqs_record_logs_its_message_id_as_correlation_id() {
    let mut function = spawn(SQS, &[]).await;
    let batch = SqsBatch::new()
        .json(&json!({"id": 1, "qty": 1}))
        .json(&json!({"id": 2, "qty": 0}));
    invoke(&mut function, &batch.event()).await.unwrap();
    let output = finished_output(&mut function).await;
    let good = format!("correlationId={}", batch.message_id(0));
    let bad = format!("correlationId={}", batch.message_id(1));
    line_with(&output, &[&good, "placing order id=1 "]);
    line_with(&output, &[&bad, "placing order id=2 "]);
    let failed = line_with(&output, &[&bad, "record failed"]);
    assert!(failed.contains("order 2 has no items"), "{failed}");
}

/// Lines at DEBUG inside an invocation's span. The fixture logs none
/// itself: these are the Runtime API client's (hyper's connection pool,
/// posting the response), the only DEBUG lines an invocation produces.
fn debug_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|line| line.starts_with("DEBUG invocation{"))
        .collect()
}

#[tokio::test]
async fn a_debug_sample_rate_of_1_logs_every_invocation_at_debug() {
    let mut function = fixture(&[
        ("LAMBDA_KIT_LOG_DEBUG_SAMPLE_RATE", "1"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
    ])
    .await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let completion = function.invoke_raw("{}").await.unwrap();
        ids.push(completion.request_id);
    }
    let output = finished_output(&mut function).await;
    let lines = debug_lines(&output);
    for id in &ids {
        let of_it: Vec<&&str> = lines
            .iter()
            .filter(|line| line.contains(&format!("requestId={id} ")))
            .collect();
        assert!(!of_it.is_empty(), "no DEBUG line of {id}:\n{output}");
        assert!(
            of_it.iter().any(|line| line.contains("recording metrics")),
            "the handler's own DEBUG line of {id} is missing:\n{output}"
        );
        for line in of_it {
            assert!(line.contains("debugSampled=true"), "{line}");
        }
    }
    // Outside invocations the level is still INFO.
    assert!(
        output
            .lines()
            .filter(|line| line.starts_with("DEBUG"))
            .all(|line| line.starts_with("DEBUG invocation{")),
        "{output}"
    );
}

#[tokio::test]
async fn without_a_debug_sample_rate_info_means_info() {
    for rate in [None, Some("0")] {
        let mut env = vec![("AWS_LAMBDA_LOG_LEVEL", "INFO")];
        env.extend(rate.map(|rate| ("LAMBDA_KIT_LOG_DEBUG_SAMPLE_RATE", rate)));
        let (_, output) = run(&env, &[json!({}), json!({"then": "fail"})]).await;
        // The failure is logged, in its span, without the mark.
        line_with(&output, &["ERROR invocation{", "failed on purpose"]);
        assert!(!output.contains("DEBUG"), "{rate:?}:\n{output}");
        assert!(!output.contains("debugSampled"), "{rate:?}:\n{output}");
    }
}
