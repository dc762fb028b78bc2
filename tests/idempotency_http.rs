//! `#[lambda_handler(http, idempotent)]` end to end: the bootstrap
//! tests/bootstraps/http_idempotent.rs on a database of its own, driven
//! through the Runtime API emulator with HTTP API and REST API events.
//! Every request that really ran inserted a row, counted on the server.
//!
//! `cargo test --test idempotency_http` (needs `DATABASE_URL` or a local
//! server).

mod rds_common;

use lambda_kit::rds;
use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds_query;
use lambda_kit::testing::http::{Reply, Req, Source};
use lambda_kit::testing::Function;
use rds_common::TestDb;
use serde_json::{json, Value};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_http_idempotent");

const SCHEMA: &str =
    "CREATE TABLE items (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)";

#[rds_query("SELECT COUNT(*) FROM items")]
async fn items(pool: &rds::Pool) -> Result<i64, rds::Error>;

#[rds_query(
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND STATE LIKE 'Waiting for table%'"
)]
async fn waiting(pool: &rds::Pool) -> Result<i64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM lambda_kit_idempotency WHERE status = 0")]
async fn in_progress(pool: &rds::Pool) -> Result<i64, rds::Error>;

async fn start(db: &TestDb) -> Function {
    let mut command = tokio::process::Command::new(BOOTSTRAP);
    command.env("DATABASE_URL", db.url());
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

async fn send(function: &mut Function, source: Source, req: &Req) -> Reply {
    let response: Value = function
        .invoke(&req.event(source))
        .await
        .expect("the function answers")
        .unwrap_or_else(|error| panic!("invocation error: {error:?}\n{}", function.output()));
    Reply::read(source, &response)
}

fn post(key: Option<&str>, body: Value) -> Req {
    let req = Req::new("POST", "/items").json(&body);
    match key {
        Some(key) => req.header("Idempotency-Key", key),
        None => req,
    }
}

#[tokio::test]
async fn a_repeated_request_gets_the_first_response_without_running_again() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    let mut other = start(&db).await;
    for (n, source) in [Source::HttpApi, Source::RestApi].into_iter().enumerate() {
        let request = post(Some(&format!("k-{source:?}")), json!({"name": "pear"}));
        let first = send(&mut function, source, &request).await;
        let location = format!("/items/{}", n + 1);
        assert_eq!(first.status, 201, "{source:?}");
        assert_eq!(first.header("location"), Some(location.as_str()));
        assert_eq!(first.header("idempotent-replayed"), None);
        // Again, to this instance and to another one.
        for function in [&mut function, &mut other] {
            let again = send(function, source, &request).await;
            assert_eq!(again.status, 201, "{source:?}");
            assert_eq!(again.header("location"), Some(location.as_str()));
            assert_eq!(again.header("idempotent-replayed"), Some("true"));
            assert_eq!(again.json(), first.json(), "{source:?}");
        }
        assert_eq!(items(&observer).await.unwrap(), n as i64 + 1, "{source:?}");
    }
    // Another key is another request.
    let next = send(
        &mut function,
        Source::HttpApi,
        &post(Some("k-2"), json!({"name": "pear"})),
    )
    .await;
    assert_eq!(
        (next.status, next.header("location")),
        (201, Some("/items/3"))
    );
    assert_eq!(items(&observer).await.unwrap(), 3);
}

#[tokio::test]
async fn the_key_reused_for_another_request_is_422_and_does_not_run() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    let first = send(
        &mut function,
        Source::HttpApi,
        &post(Some("k"), json!({"name": "pear"})),
    )
    .await;
    assert_eq!(first.status, 201);
    let other_body = send(
        &mut function,
        Source::HttpApi,
        &post(Some("k"), json!({"name": "plum"})),
    )
    .await;
    assert_eq!(other_body.status, 422, "{:?}", other_body.json());
    assert!(other_body.json()["message"]
        .as_str()
        .unwrap()
        .contains("different payload"));
    let other_path = Req::new("POST", "/elsewhere")
        .json(&json!({"name": "pear"}))
        .header("Idempotency-Key", "k");
    assert_eq!(
        send(&mut function, Source::HttpApi, &other_path)
            .await
            .status,
        422
    );
    assert_eq!(items(&observer).await.unwrap(), 1);
}

#[tokio::test]
async fn without_the_header_or_on_a_get_every_request_runs() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    for _ in 0..2 {
        let reply = send(
            &mut function,
            Source::HttpApi,
            &post(None, json!({"name": "pear"})),
        )
        .await;
        assert_eq!(reply.status, 201);
    }
    let get = Req::new("GET", "/items")
        .json(&json!({"name": "pear"}))
        .header("Idempotency-Key", "k");
    for _ in 0..2 {
        assert_eq!(send(&mut function, Source::HttpApi, &get).await.status, 201);
    }
    assert_eq!(items(&observer).await.unwrap(), 4);
    let too_long = post(Some(&"k".repeat(256)), json!({"name": "pear"}));
    let refused = send(&mut function, Source::HttpApi, &too_long).await;
    assert_eq!(refused.status, 400);
    assert!(refused.json()["message"]
        .as_str()
        .unwrap()
        .contains("Idempotency-Key"));
    assert_eq!(items(&observer).await.unwrap(), 4);
}

#[tokio::test]
async fn a_server_error_is_not_remembered_and_a_client_error_is() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    let failing = post(Some("f"), json!({"name": "pear", "fail": true}));
    for ran in 1..=2 {
        let reply = send(&mut function, Source::HttpApi, &failing).await;
        assert_eq!(reply.status, 500);
        assert_eq!(reply.header("idempotent-replayed"), None);
        assert_eq!(items(&observer).await.unwrap(), ran, "a 500 runs again");
    }
    let invalid = post(Some("c"), json!({"name": "a name longer than sixteen"}));
    let first = send(&mut function, Source::HttpApi, &invalid).await;
    assert_eq!(first.status, 400);
    let again = send(&mut function, Source::HttpApi, &invalid).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json());
}

/// The first request holds its key while its insert waits on a locked
/// table; a repeat to another instance meanwhile is 409 with
/// `Retry-After`, and once the first has answered the repeat gets its
/// response.
#[tokio::test]
async fn a_repeat_while_the_first_runs_is_409_then_gets_the_response() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut first = start(&db).await;
    let mut second = start(&db).await;
    // Both past init (which reads the idempotency table) before the lock.
    first.api().wait_for_polls(1).await.unwrap();
    second.api().wait_for_polls(1).await.unwrap();
    let request = post(Some("busy"), json!({"name": "pear"}));
    let locker = db.pool();
    let mut admin = locker.conn().await.unwrap();
    admin
        .as_mysql()
        .query_drop("LOCK TABLES items WRITE")
        .await
        .unwrap();
    let running = first
        .api()
        .invoke_in_background(request.event(Source::HttpApi).to_string());
    let mut polls = 0;
    // Its key claimed, and its insert held at the lock.
    while in_progress(&observer).await.unwrap() < 1 || waiting(&observer).await.unwrap() < 1 {
        polls += 1;
        assert!(
            polls < 3000,
            "the first request never reached the locked table"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let busy = send(&mut second, Source::HttpApi, &request).await;
    assert_eq!(busy.status, 409, "{:?}\n{}", busy.json(), second.output());
    assert_eq!(busy.header("retry-after"), Some("1"));
    admin.as_mysql().query_drop("UNLOCK TABLES").await.unwrap();
    drop(admin);
    let done = running.await.unwrap().into_result().unwrap();
    assert_eq!(Reply::read(Source::HttpApi, &done).status, 201);
    let replayed = send(&mut second, Source::HttpApi, &request).await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(items(&observer).await.unwrap(), 1);
}

/// A key is its caller's: the same key under another `Authorization` is
/// another request, and never answered with the first caller's response.
#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let db = TestDb::create(SCHEMA).await;
    let observer = db.pool();
    let mut function = start(&db).await;
    let as_caller =
        |token: &str| post(Some("k"), json!({"name": "pear"})).header("Authorization", token);
    let alice = send(&mut function, Source::HttpApi, &as_caller("Bearer alice")).await;
    let bob = send(&mut function, Source::HttpApi, &as_caller("Bearer bob")).await;
    assert_eq!((alice.status, bob.status), (201, 201));
    assert_eq!(bob.header("idempotent-replayed"), None);
    assert_ne!(alice.header("location"), bob.header("location"));
    let again = send(&mut function, Source::HttpApi, &as_caller("Bearer alice")).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), alice.header("location"));
    assert_eq!(items(&observer).await.unwrap(), 2);
}
