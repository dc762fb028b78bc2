//! The pool as a warm Lambda instance uses it: the process-wide pool
//! serving many invocations on one server connection, surviving the server
//! killing that connection, and failing fast and clearly when the database
//! cannot be reached.
//!
//! `cargo test --test rds_pool` (needs `DATABASE_URL` or a local server).

mod rds_common;

use std::time::{Duration, Instant};

use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::{self, Config, Pool};
use lambda_kit::rds_query;
use rds_common::TestDb;

#[rds_query("SELECT CONNECTION_ID()")]
async fn connection_id() -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO hits (n) VALUES (:n)")]
async fn hit(n: u32) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM hits")]
async fn hits() -> Result<u64, rds::Error>;

/// Statements this session has prepared, as the server counts them.
#[rds_query(
    "SELECT CAST(VARIABLE_VALUE AS UNSIGNED) FROM information_schema.SESSION_STATUS \
     WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'"
)]
async fn prepared_by_this_session() -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()")]
async fn sessions_on_this_database(pool: &rds::Pool) -> Result<u64, rds::Error>;

/// The only test here that uses the process-wide pool, which lives as long
/// as the process: one runtime, like a Lambda instance.
#[tokio::test(flavor = "current_thread")]
async fn the_process_pool_serves_warm_invocations_on_one_connection() {
    let db = TestDb::create("CREATE TABLE hits (n INT NOT NULL)").await;
    rds::configure(db.config()).unwrap();
    let observer = db.pool();

    let first = connection_id().await.unwrap();
    assert_eq!(hit(0).await.unwrap(), 1);
    let prepared = prepared_by_this_session().await.unwrap();
    for n in 1..200 {
        assert_eq!(
            connection_id().await.unwrap(),
            first,
            "invocation {n} used another connection"
        );
        assert_eq!(hit(n).await.unwrap(), 1);
    }
    assert_eq!(hits().await.unwrap(), 200);
    // Warm invocations reuse the prepared statements: none prepared again
    // (only `hits`, run for the first time above).
    assert_eq!(prepared_by_this_session().await.unwrap(), prepared + 1);
    // The observer's own session plus the pool's single one.
    assert_eq!(sessions_on_this_database(&observer).await.unwrap(), 2);

    // The server kills the pooled connection between two invocations (as
    // wait_timeout or a failover would while the instance is frozen).
    let mut admin = observer.conn().await.unwrap();
    admin
        .as_mysql()
        .query_drop(format!("KILL CONNECTION {first}"))
        .await
        .unwrap();
    let second = connection_id().await.unwrap();
    assert_ne!(second, first, "the dead connection was replaced");
    // A write right after a kill is not lost either.
    admin
        .as_mysql()
        .query_drop(format!("KILL CONNECTION {second}"))
        .await
        .unwrap();
    assert_eq!(hit(1000).await.unwrap(), 1);
    assert_eq!(hits().await.unwrap(), 201);
    drop(admin);
    assert_eq!(sessions_on_this_database(&observer).await.unwrap(), 2);

    let err = rds::configure(db.config()).unwrap_err();
    assert!(err.to_string().contains("already set up"), "{err}");
}

#[rds_query("SELECT 1")]
async fn ping(pool: &rds::Pool) -> Result<i64, rds::Error>;

#[tokio::test]
async fn an_unreachable_server_fails_with_a_connect_timeout_naming_the_address() {
    // Accepts TCP (the kernel completes handshakes into the backlog) but
    // never speaks MySQL: what a wrong security group looks like.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let timeout = Duration::from_millis(500);
    let pool = Pool::new(
        Config::new("127.0.0.1")
            .with_port(port)
            .with_user("root")
            .with_connect_timeout(timeout),
    )
    .unwrap();
    let started = Instant::now();
    let err = ping(&pool).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, rds::Error::ConnectTimeout { .. }), "{err:?}");
    // It waited the configured timeout out (a lower bound: timers never
    // fire early). How soon after it gave up is for benchmarks to measure.
    assert!(elapsed >= timeout, "gave up after {elapsed:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "no connection to the database at 127.0.0.1:{port} within the 500ms connect timeout: \
             check that the function can reach it (VPC subnets, security group) or raise RDS_CONNECT_TIMEOUT_MS"
        )
    );
}

#[tokio::test]
async fn a_refused_connection_is_reported_as_refused() {
    let port = {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        closed.local_addr().unwrap().port()
    };
    let pool = Pool::new(Config::new("127.0.0.1").with_port(port).with_user("root")).unwrap();
    let err = ping(&pool).await.unwrap_err();
    // `Connect`, not `ConnectTimeout`: the refusal is reported as such,
    // not retried until the connect timeout runs out.
    assert!(matches!(err, rds::Error::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot connect to the database at 127.0.0.1:{port}: "
        )),
        "{message}"
    );
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[tokio::test]
async fn a_wrong_password_is_reported_without_it() {
    let config = rds_common::server()
        .with_user("lambda_kit_no_such_user")
        .with_password("Wr0ng-Pa55w0rd");
    let pool = Pool::new(config).unwrap();
    let err = ping(&pool).await.unwrap_err();
    assert!(matches!(err, rds::Error::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("Access denied"), "{err}");
    for text in [err.to_string(), format!("{err:?}"), format!("{pool:?}")] {
        assert!(!text.contains("Wr0ng-Pa55w0rd"), "{text}");
    }
}
