//! The `rds_lookup` example end to end: the compiled bootstrap, driven
//! through the Runtime API emulator (`lambda_kit::testing`), against the
//! schema and rows of examples/rds_lookup/rds_lookup.sql loaded into a database of its
//! own.
//!
//! `cargo test --test rds_e2e` (needs `DATABASE_URL` or a local server).

mod example_bins;
use example_bins::Example;

mod rds_common;

use lambda_kit::rds;
use lambda_kit::rds_query;
use lambda_kit::testing::Function;
use rds_common::TestDb;
use serde_json::{json, Value};

const RDS_LOOKUP: Example = Example("rds_lookup");

/// examples/rds_lookup/rds_lookup.sql without its `CREATE DATABASE` and `USE`: the
/// test runs it in its own database.
fn schema() -> String {
    rds_common::in_own_database(include_str!("../examples/rds_lookup/rds_lookup.sql"))
}

async fn invoke(function: &mut Function, event: Value) -> Result<Value, lambda_kit::Diagnostic> {
    function.invoke(&event).await.expect("the function answers")
}

async fn start(db: &TestDb) -> Function {
    let mut command = tokio::process::Command::new(RDS_LOOKUP);
    command.env("DATABASE_URL", db.url());
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

#[rds_query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()")]
async fn sessions(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name, value) VALUES (:name, :value)")]
async fn insert(pool: &rds::Pool, name: &str, value: &str) -> Result<u64, rds::Error>;

#[tokio::test]
async fn looks_up_the_last_matching_row_like_the_documented_handler() {
    let db = TestDb::create(&schema()).await;
    let mut function = start(&db).await;
    assert_eq!(
        invoke(&mut function, json!({"name": "jhc"})).await,
        Ok(json!("last row for jhc"))
    );
    assert_eq!(
        invoke(&mut function, json!({})).await,
        Ok(json!("last row for jhc")),
        "the name defaults to jhc"
    );
    assert_eq!(
        invoke(&mut function, json!({"name": "alice"})).await,
        Ok(json!("hello from alice"))
    );
    assert_eq!(
        invoke(&mut function, json!({"name": "ghost"})).await,
        Ok(Value::Null),
        "NULL value"
    );
    assert_eq!(
        invoke(&mut function, json!({"name": "nobody"})).await,
        Ok(Value::Null),
        "no row"
    );
    for hostile in ["' OR 1=1 --", "jhc' --", "\\", "jhc\0"] {
        assert_eq!(
            invoke(&mut function, json!({ "name": hostile })).await,
            Ok(Value::Null),
            "{hostile:?}"
        );
    }
    let err = invoke(&mut function, json!({"name": 5})).await.unwrap_err();
    assert_eq!(err.error_type, "Runtime.UnmarshalError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_managed_instances_lookups_run_at_once_each_with_its_answer() {
    let db = TestDb::create(&schema()).await;
    let mut command = tokio::process::Command::new(RDS_LOOKUP);
    command
        .env("DATABASE_URL", db.url())
        .env(lambda_kit::MAX_CONCURRENCY_ENV, "8");
    let mut function = Function::spawn_command(command)
        .await
        .expect("the bootstrap starts");
    // Every worker waits for an invocation before any is queued.
    function.api().wait_for_polls(8).await.unwrap();
    let cases = [
        ("jhc", json!("last row for jhc")),
        ("alice", json!("hello from alice")),
        ("ghost", Value::Null),
        ("nobody", Value::Null),
    ];
    let pending: Vec<_> = (0..200)
        .map(|i| {
            let (name, _) = &cases[i % cases.len()];
            tokio::spawn(
                function
                    .api()
                    .invoke_in_background(json!({ "name": name }).to_string()),
            )
        })
        .collect();
    for (i, answer) in pending.into_iter().enumerate() {
        let done = answer.await.unwrap().expect("answered");
        assert_eq!(
            done.into_result(),
            Ok(cases[i % cases.len()].1.clone()),
            "lookup {i}"
        );
    }
    assert!(
        function.api().peak_in_flight() >= 2,
        "lookups overlapped: {}",
        function.api().peak_in_flight()
    );
}

#[rds_query(
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
     WHERE DB = DATABASE() AND STATE LIKE 'Waiting for table%'"
)]
async fn waiting_for_a_table(pool: &rds::Pool) -> Result<u64, rds::Error>;

/// Polls the server until `count` sessions wait for the locked table.
async fn until_waiting(observer: &rds::Pool, count: u64) {
    for _ in 0..3000 {
        if waiting_for_a_table(observer).await.unwrap() == count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!(
        "{count} lookups never waited at once: {} did",
        waiting_for_a_table(observer).await.unwrap()
    );
}

/// Under Managed Instances the pool opens up to `AWS_LAMBDA_MAX_CONCURRENCY`
/// connections by default, and `RDS_POOL_MAX` caps it. With the table
/// locked each lookup holds its connection inside the server, where the
/// sessions are counted; a lookup past the cap gets a clear error within
/// the connect timeout instead of waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_follows_the_concurrency_and_rds_pool_max_caps_it() {
    use lambda_kit::rds::mysql_async::prelude::Queryable;
    use tokio::task::JoinSet;

    for (pool_max, connections) in [(None, 8_u64), (Some("3"), 3)] {
        let db = TestDb::create(&schema()).await;
        let observer = db.pool();
        let mut command = tokio::process::Command::new(RDS_LOOKUP);
        command
            .env("DATABASE_URL", db.url())
            .env(lambda_kit::MAX_CONCURRENCY_ENV, "8")
            .env("RDS_CONNECT_TIMEOUT_MS", "500");
        if let Some(max) = pool_max {
            command.env("RDS_POOL_MAX", max);
        }
        let mut function = Function::spawn_command(command)
            .await
            .expect("the bootstrap starts");
        function.api().wait_for_polls(8).await.unwrap();
        // The lock is held on a connection of its own pool.
        let locker = db.pool();
        let mut admin = locker.conn().await.unwrap();
        admin
            .as_mysql()
            .query_drop("LOCK TABLES test WRITE")
            .await
            .unwrap();
        let mut lookups = JoinSet::new();
        for _ in 0..8 {
            lookups.spawn(
                function
                    .api()
                    .invoke_in_background(json!({"name": "jhc"}).to_string()),
            );
        }
        // While the table is locked no lookup can succeed: those that end
        // are the ones the pool had no connection for.
        for _ in connections..8 {
            let refused = lookups.join_next().await.unwrap().unwrap();
            let err = refused.expect("answered").into_result().unwrap_err();
            assert!(err.error_message.contains("RDS_POOL_MAX"), "{err:?}");
        }
        until_waiting(&observer, connections).await;
        admin.as_mysql().query_drop("UNLOCK TABLES").await.unwrap();
        drop(admin);
        while let Some(lookup) = lookups.join_next().await {
            let done = lookup.unwrap().expect("answered");
            assert_eq!(done.into_result(), Ok(json!("last row for jhc")));
        }
    }
}

#[tokio::test]
async fn warm_invocations_share_one_connection_and_see_new_rows() {
    let db = TestDb::create(&schema()).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    for _ in 0..50 {
        assert_eq!(
            function.invoke(&json!({"name": "jhc"})).await.unwrap(),
            Ok(json!("last row for jhc"))
        );
    }
    // The observer's session and the function's single pooled one.
    assert_eq!(sessions(&observer).await.unwrap(), 2);
    insert(&observer, "jhc", "newer row for jhc").await.unwrap();
    assert_eq!(
        function.invoke(&json!({"name": "jhc"})).await.unwrap(),
        Ok(json!("newer row for jhc"))
    );
}

#[tokio::test]
async fn an_unusable_database_fails_init_with_a_readable_error() {
    let db = TestDb::create(&schema()).await;
    let mut command = tokio::process::Command::new(RDS_LOOKUP);
    command.env("DATABASE_URL", format!("{}_missing", db.url()));
    let mut function = Function::spawn_command(command).await.unwrap();
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, "rds::Error");
    assert!(
        report
            .error_message
            .starts_with("cannot connect to the database at "),
        "{}",
        report.error_message
    );
    assert!(
        report.error_message.contains("Unknown database"),
        "{}",
        report.error_message
    );
    assert!(!function.wait().await.unwrap().success());

    let mut command = tokio::process::Command::new(RDS_LOOKUP);
    command
        .env_remove("DATABASE_URL")
        .env_remove("RDS_HOSTNAME");
    let mut function = Function::spawn_command(command).await.unwrap();
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, "rds::Error");
    assert!(
        report
            .error_message
            .contains("no database configured: set DATABASE_URL"),
        "{}",
        report.error_message
    );
}
