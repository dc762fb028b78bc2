//! The `orders_queue` example end to end: the compiled bootstrap, driven
//! through the Runtime API emulator (`lambda_kit::testing`) with SQS
//! batches, against examples/orders_queue/orders_queue.sql loaded into a
//! database of its own; and once in local mode on the example's event file.
//!
//! `cargo test --test orders_queue` (needs `DATABASE_URL` or a local server).

mod example_bins;
use example_bins::{run_locally_with_env, Example};

mod rds_common;

use lambda_kit::testing::events::{batch_item_failures, SqsBatch};
use lambda_kit::testing::Function;
use lambda_kit::{rds, rds_query};
use rds_common::TestDb;
use serde_json::{json, Value};

const ORDERS_QUEUE: Example = Example("orders_queue");

/// examples/orders_queue/orders_queue.sql without its `CREATE DATABASE` and
/// `USE`: the test runs it in its own database.
fn schema() -> String {
    rds_common::in_own_database(include_str!("../examples/orders_queue/orders_queue.sql"))
}

/// The body of an order.
fn order(id: &str, customer: &str, qty: u32) -> Value {
    json!({"id": id, "customer": customer, "sku": "tea-250g", "qty": qty})
}

/// The partial batch response reporting these message ids.
fn failures(ids: &[&str]) -> Value {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "itemIdentifier": id }))
        .collect();
    json!({ "batchItemFailures": items })
}

#[rds_query("SELECT id, customer, sku, qty FROM orders ORDER BY id")]
async fn stored(pool: &rds::Pool) -> Result<Vec<(String, String, String, u32)>, rds::Error>;

fn row(id: &str, customer: &str, qty: u32) -> (String, String, String, u32) {
    (id.into(), customer.into(), "tea-250g".into(), qty)
}

async fn start(db: &TestDb) -> Function {
    let mut command = tokio::process::Command::new(ORDERS_QUEUE);
    command.env("DATABASE_URL", db.url());
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

#[tokio::test]
async fn good_orders_are_stored_once_and_only_the_bad_records_are_reported() {
    let db = TestDb::create(&schema()).await;
    let mut function = start(&db).await;
    let batch = SqsBatch::new()
        .json(&order("o-1", "ada", 2))
        .json(&order("o-2", "grace", 1))
        .json(&order("o-3", "linus", 0))
        .body("not json")
        // The producer sent o-1 twice: a second message, same order.
        .json(&order("o-1", "ada", 2))
        .json(&order("o-4", " ", 1))
        // o-2 again with other data: not a repeat, refused.
        .json(&order("o-2", "grace", 5));
    let rejected = [2, 3, 5, 6].map(|i| batch.message_id(i));
    let response = function.invoke(&batch.event()).await.unwrap().unwrap();
    assert_eq!(batch_item_failures(&response), rejected);
    let rows = vec![row("o-1", "ada", 2), row("o-2", "grace", 1)];
    assert_eq!(stored(&db.pool()).await.unwrap(), rows);

    // SQS redelivers the batch (say the invocation timed out): the orders
    // already placed succeed again and stay single rows.
    let mut again = batch.event();
    for record in again["Records"].as_array_mut().unwrap() {
        record["attributes"]["ApproximateReceiveCount"] = json!("2");
    }
    let response = function.invoke(&again).await.unwrap().unwrap();
    assert_eq!(batch_item_failures(&response), rejected);
    assert_eq!(stored(&db.pool()).await.unwrap(), rows);

    // Each failure is logged in its record's span with a readable type,
    // once per delivery.
    function.shut_down().await.unwrap();
    let logs = function.output();
    for (index, error_type) in [
        (2, "InvalidOrder"),
        (3, "Runtime.UnmarshalError"),
        (5, "InvalidOrder"),
        (6, "InvalidOrder"),
    ] {
        let id = batch.message_id(index);
        let span = format!("record{{messageId={id} correlationId={id}}}: record failed: ");
        let lines: Vec<&str> = logs.lines().filter(|line| line.contains(&span)).collect();
        assert_eq!(lines.len(), 2, "{span}\n{logs}");
        for line in lines {
            assert!(
                line.ends_with(&format!("error_type={error_type}")),
                "{line}"
            );
        }
    }
}

#[tokio::test]
async fn a_batch_with_no_good_order_fails_as_a_whole() {
    let db = TestDb::create(&schema()).await;
    let mut function = start(&db).await;
    let batch = SqsBatch::new().json(&order("o-1", "ada", 0)).body("{}");
    let err = function.invoke(&batch.event()).await.unwrap().unwrap_err();
    assert_eq!(err.error_type, "Runtime.BatchFailed");
    assert_eq!(stored(&db.pool()).await.unwrap(), vec![]);
}

#[tokio::test]
async fn runs_locally_on_the_example_event() {
    let db = TestDb::create(&schema()).await;
    let event = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/orders_queue/sqs_event.json"
    );
    let url = db.url();
    let out = run_locally_with_env(
        ORDERS_QUEUE,
        &["--event", event],
        None,
        &[("DATABASE_URL", &url)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        failures(&["3b6d5a1e-7f2c-4c1a-9d0e-1a2b3c4d5e03"]),
        "o-1003 has qty 0"
    );
    assert_eq!(
        stored(&db.pool()).await.unwrap(),
        vec![
            ("o-1001".into(), "ada".into(), "tea-250g".into(), 2),
            ("o-1002".into(), "grace".into(), "coffee-1kg".into(), 1),
        ]
    );
}
