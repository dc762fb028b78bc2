//! Shutdown with an open database pool: on SIGTERM the bootstrap closes the
//! process-wide pool politely (`COM_QUIT`), so the server neither counts an
//! aborted client nor keeps the session.
//!
//! `cargo test --test rds_shutdown` (needs `DATABASE_URL` or a local
//! server). One test in its own binary: `Aborted_clients` is server-wide,
//! and no other test of this binary runs beside it.

mod rds_common;

use lambda_kit::rds;
use lambda_kit::rds_query;
use lambda_kit::testing::{Function, DEFAULT_TIMEOUT};
use rds_common::TestDb;
use serde_json::json;

const FIXTURE: &str = env!("CARGO_BIN_EXE_shutdown_fixture");

#[rds_query("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'ABORTED_CLIENTS'")]
async fn aborted_clients(pool: &rds::Pool) -> Result<String, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id")]
async fn sessions_with_id(pool: &rds::Pool, id: u64) -> Result<u64, rds::Error>;

#[tokio::test]
async fn sigterm_closes_the_pool_politely() {
    let db = TestDb::create("CREATE TABLE unused (id INT)").await;
    let admin = db.pool();
    let mut command = tokio::process::Command::new(FIXTURE);
    command
        .env("DATABASE_URL", db.url())
        .env("LAMBDA_KIT_SHUTDOWN_GRACE_MS", "30000")
        // Logs the moment the signal is received (DEBUG).
        .env("RUST_LOG", "info,lambda_kit=debug");
    let mut function = Function::spawn_command(command).await.unwrap();
    // The handler works until this file exists: created once the signal
    // is in, so the signal always finds the invocation in flight.
    let release =
        std::env::temp_dir().join(format!("lambda-kit-rds-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_file(&release);
    let event = json!({"until": release.to_str().unwrap(), "query": true});
    let answer = function.api().invoke_in_background(event.to_string());
    let wait_for = |line: &'static str| {
        function.wait_for_output(move |output| output.contains(line), DEFAULT_TIMEOUT)
    };
    wait_for("handler started")
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    let aborted_before = aborted_clients(&admin).await.unwrap();
    function.signal("TERM").unwrap();
    wait_for("SIGTERM received")
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    std::fs::write(&release, b"").unwrap();

    let reply = answer.await.unwrap().into_result().unwrap();
    let connection = reply["connection"].as_u64().expect("a connection id");
    let status = function.wait().await.unwrap();
    let output = function.output();
    assert!(status.success(), "{status}\n{output}");
    assert!(
        output.contains(
            "shutting down on SIGTERM: in-flight work finished, shutdown hook ran, database pool closed"
        ),
        "{output}"
    );
    // A polite close ends the session before the process exits.
    assert_eq!(sessions_with_id(&admin, connection).await.unwrap(), 0);
    assert_eq!(aborted_clients(&admin).await.unwrap(), aborted_before);
    let _ = std::fs::remove_file(&release);
}
