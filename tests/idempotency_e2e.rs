//! Idempotent handlers end to end: `#[lambda_handler(idempotency_key = ...)]`
//! and `#[lambda_handler(sqs, idempotent)]` in real bootstraps
//! (tests/bootstraps/idempotency_fixture.rs, idempotency_sqs.rs, and the
//! charge example), driven through the Runtime API emulator against a
//! MariaDB database of the test's own.
//!
//! Each run of a fixture's handler inserts a row into `effects` before doing
//! anything else, so every test counts on the server how often a handler
//! really ran, and reads the idempotency records themselves. A handler is
//! held in progress on a MariaDB named lock the test holds from its own
//! connection (seen waiting in `information_schema.PROCESSLIST`), never by
//! timing; the tests that need a deadline to pass read it from the record
//! and wait until the clock is past it.
//!
//! `cargo test -p lambda-kit-tests --test idempotency_e2e` (needs
//! `DATABASE_URL` or a local server).

mod example_bins;
mod rds_common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use example_bins::{run_locally_with_env, Example};
use lambda_kit::idempotency::{CACHE_ENV, ENABLED_ENV, EXPIRY_ENV, MAX_RESPONSE_ENV};
use lambda_kit::testing::events::{batch_item_failures, SqsBatch};
use lambda_kit::testing::{Function, Invocation, FUNCTION_NAME};
use lambda_kit::{rds, rds_query, Diagnostic};
use rds_common::TestDb;
use serde_json::{json, Value};
use tokio::process::Command;

const FIXTURE: &str = env!("CARGO_BIN_EXE_idempotency_fixture");
const SQS: &str = env!("CARGO_BIN_EXE_idempotency_sqs");
const CHARGE: Example = Example("charge");

/// The fixture handler's name, part of every record id.
const HANDLER: &str = "act";
/// The table records go to by default.
const TABLE: &str = "lambda_kit_idempotency";

/// What the fixtures write one row to per run of their handler.
const EFFECTS: &str = "CREATE TABLE effects (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    idem_key VARCHAR(255) NOT NULL,
    action VARCHAR(16) NOT NULL,
    pid INT UNSIGNED NOT NULL
);";

const IN_PROGRESS: &str = "IdempotencyAlreadyInProgress";
const MISMATCH: &str = "IdempotencyPayloadMismatch";
const KEY_MISSING: &str = "IdempotencyKeyMissing";
const TOO_LARGE: &str = "IdempotencyResponseTooLarge";
const STORE_ERROR: &str = "IdempotencyStoreError";

/// The function timeout while a test holds a run on the lock: longer than
/// any wait of the test (the fixture waits for the lock up to 5 minutes).
const HELD: Duration = Duration::from_secs(300);

// --- the server's view ----------------------------------------------------

/// One idempotency record as stored.
#[derive(Debug, Clone, PartialEq, rds::FromRow)]
struct Record {
    id: Vec<u8>,
    status: u8,
    valid_until: i64,
    payload_hash: Option<Vec<u8>>,
    response: Option<Vec<u8>>,
}

impl Record {
    /// The kept response (or error document) as JSON.
    fn response_json(&self) -> Value {
        let bytes = self.response.as_deref().expect("a kept response");
        serde_json::from_slice(bytes).expect("the kept response is JSON")
    }
}

#[rds_query(
    "SELECT id, status, valid_until, payload_hash, response FROM lambda_kit_idempotency \
     ORDER BY valid_until, id"
)]
async fn records(pool: &rds::Pool) -> Result<Vec<Record>, rds::Error>;

#[rds_query(
    "SELECT id, status, valid_until, payload_hash, response FROM sqs_idempotency \
     ORDER BY valid_until, id"
)]
async fn sqs_records(pool: &rds::Pool) -> Result<Vec<Record>, rds::Error>;

#[rds_query("DELETE FROM lambda_kit_idempotency")]
async fn forget_every_record(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("DROP TABLE lambda_kit_idempotency")]
async fn drop_record_table(pool: &rds::Pool) -> Result<(), rds::Error>;

#[rds_query("SELECT COUNT(*) FROM effects WHERE idem_key = :key")]
async fn runs_of(pool: &rds::Pool, key: &str) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM effects")]
async fn all_runs(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query(
    "SELECT COUNT(*) FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name"
)]
async fn tables_named(pool: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

#[rds_query(
    "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name ORDER BY ORDINAL_POSITION"
)]
async fn columns(
    pool: &rds::Pool,
    name: &str,
) -> Result<Vec<(String, String, String, String)>, rds::Error>;

#[rds_query(
    "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     AND TABLE_NAME = :name AND INDEX_NAME = 'valid_until' AND COLUMN_NAME = 'valid_until'"
)]
async fn valid_until_index(pool: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

#[rds_query(
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
     WHERE DB = DATABASE() AND STATE = 'User lock'"
)]
async fn waiting_on_a_lock(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("SELECT GET_LOCK(:name, 0)")]
async fn get_lock(conn: &mut rds::Conn, name: &str) -> Result<u64, rds::Error>;

#[rds_query("SELECT RELEASE_LOCK(:name)")]
async fn release_lock(conn: &mut rds::Conn, name: &str) -> Result<u64, rds::Error>;

/// How often the fixture's handler ran for this key.
async fn runs(pool: &rds::Pool, key: &Value) -> u64 {
    runs_of(pool, &key.to_string()).await.unwrap()
}

/// The record id the bootstrap derives for a keyed plain handler: SHA-256
/// over the function's name, the handler's name and the key (the selected
/// value's compact JSON, members sorted), each prefixed by its length. Pinned
/// because records outlive deployments: a new derivation would not find the
/// records of the version before it.
fn record_id(handler: &str, key: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [FUNCTION_NAME, handler, key] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().to_vec()
}

/// The fixture's record of `key`, if there is one.
async fn record(pool: &rds::Pool, key: &Value) -> Option<Record> {
    let id = record_id(HANDLER, &key.to_string());
    records(pool)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.id == id)
}

/// A named lock the test holds on a connection of its own, so that a
/// `block` run waits inside the server until the test lets it go.
struct Gate {
    name: String,
    conn: rds::Conn,
    // The pool the connection goes back to; declared after it.
    _pool: rds::Pool,
}

impl Gate {
    /// Takes the lock (lock names are server-wide: named after the test's
    /// database).
    async fn closed(db: &TestDb) -> Gate {
        let name = format!("{}_gate", db.name());
        let pool = db.pool();
        let mut conn = pool.conn().await.unwrap();
        assert_eq!(get_lock(&mut conn, &name).await.unwrap(), 1, "lock {name}");
        Gate {
            name,
            conn,
            _pool: pool,
        }
    }

    async fn open(&mut self) {
        assert_eq!(release_lock(&mut self.conn, &self.name).await.unwrap(), 1);
    }
}

/// Polls the server until `count` sessions of the test's database wait for
/// a named lock.
async fn until_waiting(observer: &rds::Pool, count: u64) {
    for _ in 0..3000 {
        if waiting_on_a_lock(observer).await.unwrap() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "{count} sessions never waited on the lock: {} did",
        waiting_on_a_lock(observer).await.unwrap()
    );
}

/// Milliseconds since the Unix epoch, as deadlines and `valid_until` count.
fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// Waits until the clock is past `ms` (a record's `valid_until`).
async fn until_past(ms: i64) {
    loop {
        let left = ms + 1 - now_ms();
        if left <= 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(left.min(50) as u64)).await;
    }
}

// --- the bootstraps -------------------------------------------------------

/// A command for `program` without the idempotency settings the test
/// process may have.
fn without_settings(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for name in [ENABLED_ENV, EXPIRY_ENV, CACHE_ENV, MAX_RESPONSE_ENV] {
        command.env_remove(name);
    }
    command
}

/// Starts `program` on the test's database with these settings (and none
/// of the idempotency settings the test process may have).
async fn start_program(program: &str, db: &TestDb, env: &[(&str, &str)]) -> Function {
    let mut command = without_settings(program);
    command
        .env("DATABASE_URL", db.url())
        .envs(env.iter().copied());
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

async fn start(db: &TestDb, env: &[(&str, &str)]) -> Function {
    start_program(FIXTURE, db, env).await
}

/// Waits until the bootstrap finished init and polls for an invocation.
async fn ready(function: &mut Function) {
    let api = &*function.api();
    tokio::select! {
        polled = api.wait_for_polls(1) => polled.expect("the bootstrap polls for an invocation"),
        report = api.init_error() => panic!("init failed: {:?}", report.map(|r| r.diagnostic())),
    }
}

async fn invoke(function: &mut Function, event: &Value) -> Result<Value, Diagnostic> {
    function.invoke(event).await.expect("the function answers")
}

/// The error an invocation must have answered.
fn error(outcome: Result<Value, Diagnostic>) -> Diagnostic {
    outcome.expect_err("an error answer")
}

/// The fixture's event: its key, its payload and what the run does.
fn event(key: &Value, payload: Value, then: &str) -> Value {
    json!({ "id": key, "payload": payload, "then": then })
}

/// Shuts the function down and returns its whole output.
async fn finished_output(function: &mut Function) -> String {
    function
        .shut_down()
        .await
        .unwrap_or_else(|err| panic!("{err}; output so far:\n{}", function.output()));
    function.output()
}

fn pid_of(function: &Function) -> u64 {
    u64::from(function.pid().expect("running"))
}

// --- plain handlers -------------------------------------------------------

/// The first delivery runs and keeps its response; repeats, in the same
/// instance or another, get that response (the first process's pid and
/// effect id) without running, whatever else their event says.
#[tokio::test]
async fn a_repeat_gets_the_first_response_and_the_handler_runs_once_across_instances() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let key = json!("order-1");
    let first_event = event(&key, json!({"amount": 5}), "ok");
    let mut one = start(&db, &[]).await;

    let before = now_ms();
    let first = invoke(&mut one, &first_event).await.unwrap();
    let after = now_ms();
    assert_eq!(first["key"], json!(key.to_string()));
    assert_eq!(first["pid"], json!(pid_of(&one)));
    assert_eq!(runs(&pool, &key).await, 1);

    // Kept under the id derived from the function, the handler and the key,
    // completed, with the payload's hash and the response, for an hour.
    let kept = record(&pool, &key)
        .await
        .expect("a record under the key's id");
    assert_eq!(kept.status, 1, "completed: {kept:?}");
    assert_eq!(kept.response_json(), first);
    assert_eq!(kept.payload_hash.as_ref().map(Vec::len), Some(32));
    let expiry = kept.valid_until - 3_600_000;
    assert!(
        (before..=after).contains(&expiry),
        "valid for an hour from completion: {} not within [{before}, {after}] + 1 h",
        kept.valid_until
    );
    assert_eq!(records(&pool).await.unwrap().len(), 1);

    // Repeats: the same answer, no run, even when the rest of the event
    // asks for a failure or a panic (only the key and payload count).
    for then in ["ok", "fail", "panic"] {
        let repeat = event(&key, json!({"amount": 5}), then);
        assert_eq!(invoke(&mut one, &repeat).await, Ok(first.clone()), "{then}");
    }
    assert_eq!(runs(&pool, &key).await, 1);

    // Another instance of the function reads the same record.
    let mut two = start(&db, &[]).await;
    assert_eq!(invoke(&mut two, &first_event).await, Ok(first.clone()));
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(record(&pool, &key).await, Some(kept));

    let one_log = finished_output(&mut one).await;
    let two_log = finished_output(&mut two).await;
    assert_eq!(one_log.matches("ran the handler").count(), 1, "{one_log}");
    assert_eq!(two_log.matches("ran the handler").count(), 0, "{two_log}");
    assert!(
        two_log.contains("a repeat delivery: the handler did not run"),
        "{two_log}"
    );
}

/// Two deliveries of one key at once, in two instances: one claims the key
/// and runs (held on the lock), the other is answered
/// `IdempotencyAlreadyInProgress` while the first is still running, without
/// waiting for it and without running. Once the first completes, a retry of
/// the second gets its response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_of_one_key_run_once_and_the_other_is_told_it_is_in_progress() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut gate = Gate::closed(&db).await;
    let key = json!("order-2");
    let blocking = json!({"id": key, "payload": 2, "then": "block", "lock": gate.name});
    let mut functions = [start(&db, &[]).await, start(&db, &[]).await];
    for function in &mut functions {
        // A deadline far enough away that only the test ends the wait.
        function.api().set_timeout(HELD);
        ready(function).await;
    }

    // Both queued at once: which one wins the claim is the server's choice.
    let queued = now_ms();
    let mut deliveries = tokio::task::JoinSet::new();
    for (i, function) in functions.iter_mut().enumerate() {
        let answer = function.api().invoke_in_background(blocking.to_string());
        deliveries.spawn(async move { (i, answer.await) });
    }
    // The first answer, unless both start running (then neither would
    // answer before the test opens the gate: fail at once instead).
    let (loser, refused) = loop {
        if let Some(answered) = deliveries.try_join_next() {
            break answered.unwrap();
        }
        let running = waiting_on_a_lock(&pool).await.unwrap();
        assert!(running < 2, "both deliveries run the handler");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let refused = refused.expect("answered").into_result();
    let winner = 1 - loser;
    let refused = error(refused);
    assert_eq!(refused.error_type, IN_PROGRESS, "{refused:?}");
    assert!(refused.error_message.contains("retry later"), "{refused:?}");

    // The winner still runs: it waits on the lock, its record in progress
    // until its deadline (the function's timeout after it was queued).
    until_waiting(&pool, 1).await;
    assert_eq!(runs(&pool, &key).await, 1);
    let held = record(&pool, &key).await.expect("the winner's record");
    assert_eq!(held.status, 0, "in progress: {held:?}");
    assert_eq!(held.response, None);
    let deadline = held.valid_until - i64::try_from(HELD.as_millis()).unwrap();
    assert!(
        (queued..=now_ms()).contains(&deadline),
        "valid until the deadline: {held:?}"
    );

    gate.open().await;
    let (done, answer) = deliveries.join_next().await.unwrap().unwrap();
    assert_eq!(done, winner);
    let response = answer.expect("answered").into_result().unwrap();
    assert_eq!(response["pid"], json!(pid_of(&functions[winner])));
    assert_eq!(record(&pool, &key).await.unwrap().status, 1);

    // The refused delivery, retried: the winner's response, no second run.
    let retried = invoke(&mut functions[loser], &blocking).await;
    assert_eq!(retried, Ok(response));
    assert_eq!(runs(&pool, &key).await, 1);
}

/// One attempt of the killed-delivery scenario with this function timeout;
/// `false` when the machine was too slow to ask again before the deadline.
async fn killed_mid_handler(db: &TestDb, attempt: usize, timeout: Duration) -> bool {
    let pool = db.pool();
    let mut gate = Gate::closed(db).await;
    let key = json!(format!("order-3-{attempt}"));
    let blocking = json!({"id": key, "payload": 3, "then": "block", "lock": gate.name});
    let mut doomed = start(db, &[]).await;
    let mut survivor = start(db, &[]).await;
    ready(&mut doomed).await;
    ready(&mut survivor).await;

    let deadline = now_ms() + i64::try_from(timeout.as_millis()).unwrap();
    let delivery = Invocation::new(blocking.to_string())
        .header("lambda-runtime-deadline-ms", deadline.to_string());
    // Never answered: the process is killed holding it.
    let _unanswered = doomed.api().invoke_in_background(delivery);
    until_waiting(&pool, 1).await;
    let killed = now_ms();
    doomed.signal("KILL").unwrap();
    assert!(!doomed.wait().await.unwrap().success());
    until_waiting(&pool, 0).await;
    assert_eq!(runs(&pool, &key).await, 1);
    // Had its wait reached the deadline (less the margins) first, the run
    // would have ended with an error and released the key.
    if killed >= deadline - 1000 {
        eprintln!(
            "attempt {attempt}: killed only {} ms before the deadline",
            deadline - killed
        );
        return false;
    }

    // The record stays in progress until that invocation's deadline.
    let held = record(&pool, &key)
        .await
        .expect("the killed delivery's record");
    assert_eq!(held.status, 0, "{held:?}");
    assert_eq!(held.valid_until, deadline, "{held:?}");

    // The redelivery before the deadline is refused without running (it
    // would not block: the lock is free now).
    gate.open().await;
    let redelivered = event(&key, json!(3), "ok");
    let asked = now_ms();
    let early = invoke(&mut survivor, &redelivered).await;
    let answered = now_ms();
    if answered >= deadline {
        eprintln!(
            "attempt {attempt}: the redelivery was answered {} ms after the {} ms deadline",
            answered - deadline,
            timeout.as_millis()
        );
        return false;
    }
    let early = error(early);
    assert_eq!(early.error_type, IN_PROGRESS, "{early:?}");
    // It says how long the lock still holds.
    let within: i64 = early
        .error_message
        .split("within ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("no time left in {early:?}"));
    assert!(
        within <= deadline - asked && within >= deadline - answered,
        "{within} ms left, asked {} ms before the deadline: {early:?}",
        deadline - asked
    );
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(record(&pool, &key).await, Some(held));

    // Past the deadline, the redelivery takes the record over and runs.
    until_past(deadline).await;
    let late = invoke(&mut survivor, &redelivered).await.unwrap();
    assert_eq!(late["pid"], json!(pid_of(&survivor)));
    assert_eq!(runs(&pool, &key).await, 2);
    let kept = record(&pool, &key).await.unwrap();
    assert_eq!(kept.status, 1);
    assert_eq!(kept.response_json(), late);
    true
}

/// A delivery whose process dies mid-handler leaves its key in progress
/// until that invocation's deadline (the redelivery is refused until then),
/// and after the deadline a redelivery runs the handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_killed_mid_handler_holds_its_key_until_its_deadline_then_a_redelivery_runs() {
    let db = TestDb::create(EFFECTS).await;
    // A short deadline keeps the test short; a machine too slow to ask
    // again before it passes gets a longer one.
    for (attempt, seconds) in [3, 6, 12, 24, 48].into_iter().enumerate() {
        if killed_mid_handler(&db, attempt, Duration::from_secs(seconds)).await {
            return;
        }
    }
    panic!("never asked again before a 48 s deadline");
}

/// One attempt of the timed-out scenario with this deadline; `false` when
/// the machine was too slow to ask again before the deadline.
async fn timed_out(db: &TestDb, attempt: usize, budget: Duration) -> bool {
    let pool = db.pool();
    let key = json!(format!("order-4-{attempt}"));
    // The bootstrap cuts the handler half a second before the deadline.
    let mut function = start(db, &[("LAMBDA_KIT_DEADLINE_MARGIN_MS", "500")]).await;
    ready(&mut function).await;
    let deadline = now_ms() + i64::try_from(budget.as_millis()).unwrap();
    let hanging = Invocation::new(event(&key, json!(4), "hang").to_string())
        .header("lambda-runtime-deadline-ms", deadline.to_string());
    let cut = error(function.invoke_with(hanging).await.unwrap().into_result());
    if cut.error_type == STORE_ERROR && runs(&pool, &key).await == 0 {
        eprintln!("attempt {attempt}: the claim itself ran out of time: {cut:?}");
        return false;
    }
    assert_eq!(cut.error_type, "Runtime.Timeout", "{cut:?}");
    assert_eq!(runs(&pool, &key).await, 1);
    let held = record(&pool, &key).await.expect("the timed-out record");
    assert_eq!((held.status, held.valid_until), (0, deadline), "{held:?}");

    let retry = event(&key, json!(4), "ok");
    let early = invoke(&mut function, &retry).await;
    if now_ms() >= deadline {
        eprintln!("attempt {attempt}: the retry was answered after the deadline");
        return false;
    }
    assert_eq!(error(early).error_type, IN_PROGRESS);
    assert_eq!(runs(&pool, &key).await, 1);

    until_past(deadline).await;
    assert!(invoke(&mut function, &retry).await.is_ok());
    assert_eq!(runs(&pool, &key).await, 2);
    assert_eq!(record(&pool, &key).await.unwrap().status, 1);
    true
}

/// An invocation the bootstrap cuts at its deadline keeps its record in
/// progress until that deadline: a retry is refused until then and runs
/// after it.
#[tokio::test]
async fn a_timed_out_delivery_holds_its_key_until_its_deadline() {
    let db = TestDb::create(EFFECTS).await;
    for (attempt, seconds) in [3, 6, 12, 24, 48].into_iter().enumerate() {
        if timed_out(&db, attempt, Duration::from_secs(seconds)).await {
            return;
        }
    }
    panic!("never asked again before a 48 s deadline");
}

/// A handler's error or panic is not remembered: the record is removed, so
/// the retry runs the handler again; once it succeeds, that is kept.
#[tokio::test]
async fn a_failed_or_panicked_run_is_forgotten_and_its_retry_runs_again() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    let key = json!("order-5");

    let failed = error(invoke(&mut function, &event(&key, json!(5), "fail")).await);
    assert_eq!(failed.error_type, "Error");
    assert_eq!(failed.error_message, "declined \"order-5\"");
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(record(&pool, &key).await, None, "removed after the error");

    let panicked = error(invoke(&mut function, &event(&key, json!(5), "panic")).await);
    assert_eq!(panicked.error_type, "Panic");
    assert!(
        panicked.error_message.contains("panicked on \"order-5\""),
        "{panicked:?}"
    );
    assert_eq!(runs(&pool, &key).await, 2);
    assert_eq!(record(&pool, &key).await, None, "removed after the panic");

    let done = invoke(&mut function, &event(&key, json!(5), "ok"))
        .await
        .unwrap();
    assert_eq!(runs(&pool, &key).await, 3);
    assert_eq!(record(&pool, &key).await.unwrap().status, 1);
    // From now on the success is what repeats get.
    let repeat = invoke(&mut function, &event(&key, json!(5), "fail")).await;
    assert_eq!(repeat, Ok(done));
    assert_eq!(runs(&pool, &key).await, 3);
}

/// A key used again with a different payload is refused, from any
/// instance, without running; the first response stays kept.
#[tokio::test]
async fn a_key_reused_with_a_different_payload_is_refused_without_running() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let key = json!("order-6");
    let mut one = start(&db, &[]).await;
    let first = invoke(&mut one, &event(&key, json!({"amount": 5}), "ok"))
        .await
        .unwrap();
    let kept = record(&pool, &key).await.unwrap();

    let mut two = start(&db, &[]).await;
    for function in [&mut one, &mut two] {
        for changed in [json!({"amount": 6}), json!({"amount": "5"}), json!([5])] {
            let refused = error(invoke(function, &event(&key, changed.clone(), "ok")).await);
            assert_eq!(refused.error_type, MISMATCH, "{changed}: {refused:?}");
        }
    }
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(record(&pool, &key).await, Some(kept));
    let same = invoke(&mut two, &event(&key, json!({"amount": 5}), "ok")).await;
    assert_eq!(same, Ok(first));
}

/// The key and the payload are compared as JSON values: object members in
/// another order are the same key and payload; a number and the string of
/// its digits are different keys.
#[tokio::test]
async fn keys_and_payloads_are_compared_as_values_not_as_text() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    let first = r#"{"id": {"shop": "s-1", "order": 7}, "payload": {"a": 1, "b": [1, 2]}}"#;
    let reordered = r#"{"payload": {"b": [1,2], "a": 1}, "id": {"order": 7, "shop": "s-1"}}"#;
    let answer = |completion: lambda_kit::testing::Completion| completion.into_result();
    let first = answer(function.invoke_raw(first).await.unwrap()).unwrap();
    let again = answer(function.invoke_raw(reordered).await.unwrap());
    assert_eq!(again, Ok(first));
    assert_eq!(all_runs(&pool).await.unwrap(), 1);
    assert_eq!(records(&pool).await.unwrap().len(), 1);

    invoke(&mut function, &event(&json!(7), json!(1), "ok"))
        .await
        .unwrap();
    invoke(&mut function, &event(&json!("7"), json!(1), "ok"))
        .await
        .unwrap();
    assert_eq!(runs(&pool, &json!(7)).await, 1);
    assert_eq!(runs(&pool, &json!("7")).await, 1);
    assert_eq!(records(&pool).await.unwrap().len(), 3);
}

/// A completed record past its expiry counts as absent: the next delivery
/// replaces it and runs the handler again.
#[tokio::test]
async fn an_expired_record_is_replaced_and_the_handler_runs_again() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[(EXPIRY_ENV, "1")]).await;
    let key = json!("order-7");
    let delivery = event(&key, json!(7), "ok");

    let before = now_ms();
    let first = invoke(&mut function, &delivery).await.unwrap();
    let after = now_ms();
    let kept = record(&pool, &key).await.unwrap();
    assert!(
        (before..=after).contains(&(kept.valid_until - 1000)),
        "valid for the configured second: {kept:?}"
    );

    until_past(kept.valid_until).await;
    let second = invoke(&mut function, &delivery).await.unwrap();
    assert_ne!(second["effect"], first["effect"]);
    assert_eq!(runs(&pool, &key).await, 2);
    let replaced = record(&pool, &key).await.unwrap();
    assert_eq!(replaced.status, 1);
    assert!(replaced.valid_until > kept.valid_until);
    assert_eq!(replaced.response_json(), second);
    assert_eq!(records(&pool).await.unwrap().len(), 1);
}

/// On a database without the table, init creates it (with the documented
/// columns and index) before the first invocation.
#[tokio::test]
async fn the_table_is_created_at_init_when_missing() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    assert_eq!(tables_named(&pool, TABLE).await.unwrap(), 0);
    let mut function = start(&db, &[]).await;
    ready(&mut function).await;
    assert_eq!(tables_named(&pool, TABLE).await.unwrap(), 1);
    let found: Vec<[String; 4]> = columns(&pool, TABLE)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, ty, nullable, key)| [name, without_display_width(&ty), nullable, key])
        .collect();
    let expected = [
        ["id", "binary(32)", "NO", "PRI"],
        ["status", "tinyint unsigned", "NO", ""],
        ["valid_until", "bigint", "NO", "MUL"],
        ["payload_hash", "binary(32)", "YES", ""],
        ["response", "mediumblob", "YES", ""],
    ];
    assert_eq!(found, expected);
    assert_eq!(valid_until_index(&pool, TABLE).await.unwrap(), 1);

    let key = json!("order-8");
    invoke(&mut function, &event(&key, json!(8), "ok"))
        .await
        .unwrap();
    assert_eq!(record(&pool, &key).await.unwrap().status, 1);
    let log = finished_output(&mut function).await;
    assert!(log.contains("created the idempotency table"), "{log}");
}

/// A column type without an integer's display width, which MariaDB shows
/// (`tinyint(3) unsigned`) and MySQL 8 does not.
fn without_display_width(column_type: &str) -> String {
    match column_type.split_once('(') {
        Some((base, rest)) if base.ends_with("int") => {
            let after = rest.split_once(')').map_or("", |(_, after)| after);
            format!("{base}{after}")
        }
        _ => column_type.to_owned(),
    }
}

/// A table made beforehand (the README's DDL, here with a column of the
/// operator's own) is used as it is, not replaced.
#[tokio::test]
async fn a_table_made_beforehand_is_used_as_it_is() {
    let schema = format!(
        "{EFFECTS}
        CREATE TABLE lambda_kit_idempotency (
            id BINARY(32) NOT NULL,
            status TINYINT UNSIGNED NOT NULL,
            valid_until BIGINT NOT NULL,
            payload_hash BINARY(32) NULL,
            response MEDIUMBLOB NULL,
            made_by VARCHAR(16) NOT NULL DEFAULT 'dba',
            PRIMARY KEY (id),
            KEY valid_until (valid_until)
        );"
    );
    let db = TestDb::create(&schema).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    let key = json!("order-9");
    let first = invoke(&mut function, &event(&key, json!(9), "ok"))
        .await
        .unwrap();
    let again = invoke(&mut function, &event(&key, json!(9), "ok")).await;
    assert_eq!(again, Ok(first));
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(record(&pool, &key).await.unwrap().status, 1);
    let kept_columns = columns(&pool, TABLE).await.unwrap();
    assert_eq!(kept_columns.len(), 6, "{kept_columns:?}");
    let log = finished_output(&mut function).await;
    assert!(!log.contains("created the idempotency table"), "{log}");
}

/// A response larger than a record keeps: the handler ran once, its
/// delivery answers `IdempotencyResponseTooLarge`, and repeats get that
/// same error without running. The limit is on the response's JSON text.
#[tokio::test]
async fn a_response_too_large_to_keep_is_an_error_that_repeats_get_without_running() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[(MAX_RESPONSE_ENV, "1000")]).await;
    let big =
        |key: &Value, size: usize| json!({"id": key, "payload": 1, "then": "big", "size": size});

    // 998 `x`s and two quotes: exactly the limit, kept.
    let fits = json!("fits");
    let kept = invoke(&mut function, &big(&fits, 998)).await.unwrap();
    assert_eq!(kept, json!("x".repeat(998)));
    assert_eq!(invoke(&mut function, &big(&fits, 998)).await, Ok(kept));
    assert_eq!(runs(&pool, &fits).await, 1);

    // One more byte: refused.
    let key = json!("order-10");
    let refused = error(invoke(&mut function, &big(&key, 999)).await);
    assert_eq!(refused.error_type, TOO_LARGE, "{refused:?}");
    assert!(
        refused.error_message.contains("1001 bytes") && refused.error_message.contains("1000"),
        "{refused:?}"
    );
    assert_eq!(runs(&pool, &key).await, 1);
    let failed = record(&pool, &key).await.unwrap();
    assert_eq!(failed.status, 2, "kept as failed: {failed:?}");
    assert_eq!(
        failed.response_json(),
        json!({"errorType": refused.error_type, "errorMessage": refused.error_message})
    );

    // Repeats, here and in another instance: the same error, no run.
    assert_eq!(
        invoke(&mut function, &big(&key, 999)).await,
        Err(refused.clone())
    );
    let mut other = start(&db, &[(MAX_RESPONSE_ENV, "1000")]).await;
    assert_eq!(invoke(&mut other, &big(&key, 999)).await, Err(refused));
    assert_eq!(runs(&pool, &key).await, 1);

    // Unset, the limit is 1 MiB.
    let mut default = start(&db, &[]).await;
    let mib = json!("mib");
    let at_limit = invoke(&mut default, &big(&mib, (1 << 20) - 2)).await;
    assert_eq!(
        at_limit.map(|v| v.as_str().map(str::len)),
        Ok(Some((1 << 20) - 2))
    );
    let over = json!("over-mib");
    let refused = error(invoke(&mut default, &big(&over, (1 << 20) - 1)).await);
    assert_eq!(refused.error_type, TOO_LARGE, "{refused:?}");
    assert_eq!(record(&pool, &mib).await.unwrap().status, 1);
    assert_eq!(record(&pool, &over).await.unwrap().status, 2);
}

/// An event without a value at the key's path (absent or null) is refused
/// before anything runs or is stored.
#[tokio::test]
async fn an_event_without_its_key_is_refused_without_running() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    for keyless in [json!({"payload": 1}), json!({"id": null, "payload": 1})] {
        let refused = error(invoke(&mut function, &keyless).await);
        assert_eq!(refused.error_type, KEY_MISSING, "{keyless}: {refused:?}");
        assert!(refused.error_message.contains("`id`"), "{refused:?}");
    }
    assert_eq!(all_runs(&pool).await.unwrap(), 0);
    assert_eq!(records(&pool).await.unwrap(), []);
}

/// An event with its key but no value at the `idempotency_payload` path is
/// refused without running, by an error that names the payload's path as
/// what is missing (not as the key, nor `idempotency_key` as the fix).
///
/// (Up to 9be97b8 the message read "the event has no value at `payload`,
/// the idempotency key: ... (send the key, or change `idempotency_key`)".)
#[tokio::test]
async fn an_event_without_its_payload_is_refused_naming_the_payload() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    for payloadless in [
        json!({"id": "order-15"}),
        json!({"id": "order-15", "payload": null}),
    ] {
        let refused = error(invoke(&mut function, &payloadless).await);
        assert_eq!(
            refused.error_type, KEY_MISSING,
            "{payloadless}: {refused:?}"
        );
        let message = &refused.error_message;
        assert!(message.contains("`payload`"), "{refused:?}");
        assert!(
            message.contains("idempotency_payload") && !message.contains("idempotency key"),
            "the message blames the key for the payload: {refused:?}"
        );
    }
    assert_eq!(all_runs(&pool).await.unwrap(), 0);
    assert_eq!(records(&pool).await.unwrap(), []);
}

/// With `LAMBDA_KIT_IDEMPOTENCY_CACHE` an instance answers a repeat from
/// memory: even with the record removed from the table by hand, the handler
/// does not run again (and a changed payload is still refused). Without
/// it, the same steps run the handler again.
#[tokio::test]
async fn the_in_memory_cache_answers_repeats_even_when_the_record_is_gone() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();

    let mut cached = start(&db, &[(CACHE_ENV, "16")]).await;
    let key = json!("order-11");
    let delivery = event(&key, json!(11), "ok");
    let first = invoke(&mut cached, &delivery).await.unwrap();
    assert_eq!(forget_every_record(&pool).await.unwrap(), 1);
    assert_eq!(invoke(&mut cached, &delivery).await, Ok(first));
    let changed = error(invoke(&mut cached, &event(&key, json!(12), "ok")).await);
    assert_eq!(changed.error_type, MISMATCH);
    assert_eq!(runs(&pool, &key).await, 1);
    assert_eq!(records(&pool).await.unwrap(), [], "answered from memory");
    let log = finished_output(&mut cached).await;
    assert!(
        log.contains("answered from the in-memory idempotency cache"),
        "{log}"
    );

    let mut uncached = start(&db, &[]).await;
    let key = json!("order-12");
    let delivery = event(&key, json!(12), "ok");
    let first = invoke(&mut uncached, &delivery).await.unwrap();
    assert_eq!(forget_every_record(&pool).await.unwrap(), 1);
    let second = invoke(&mut uncached, &delivery).await.unwrap();
    assert_ne!(second, first);
    assert_eq!(runs(&pool, &key).await, 2);
}

/// `LAMBDA_KIT_IDEMPOTENCY=off`: no table, every delivery runs (an event
/// without a key too).
#[tokio::test]
async fn with_idempotency_off_every_delivery_runs() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[(ENABLED_ENV, "off")]).await;
    let key = json!("order-13");
    let delivery = event(&key, json!(13), "ok");
    let first = invoke(&mut function, &delivery).await.unwrap();
    let second = invoke(&mut function, &delivery).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(runs(&pool, &key).await, 2);
    assert!(invoke(&mut function, &json!({"payload": 1})).await.is_ok());
    assert_eq!(all_runs(&pool).await.unwrap(), 3);
    assert_eq!(tables_named(&pool, TABLE).await.unwrap(), 0);
    let log = finished_output(&mut function).await;
    assert!(log.contains("idempotency is off"), "{log}");
}

/// The record table failing when a delivery claims its key: an
/// `IdempotencyStoreError`, and the handler does not run.
#[tokio::test]
async fn a_store_failure_when_claiming_is_an_error_and_the_handler_does_not_run() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start(&db, &[]).await;
    ready(&mut function).await;
    drop_record_table(&pool).await.unwrap();
    let failed = error(invoke(&mut function, &event(&json!("order-14"), json!(14), "ok")).await);
    assert_eq!(failed.error_type, STORE_ERROR, "{failed:?}");
    assert!(failed.error_message.contains("did not run"), "{failed:?}");
    assert_eq!(all_runs(&pool).await.unwrap(), 0);
}

/// A setting out of range, or a database the table cannot be read from,
/// fails init with a readable error (the latter saying how to run without
/// one).
#[tokio::test]
async fn a_bad_setting_or_an_unusable_database_fails_init() {
    let db = TestDb::create(EFFECTS).await;
    for (name, value) in [(EXPIRY_ENV, "0"), (ENABLED_ENV, "maybe"), (CACHE_ENV, "-1")] {
        let mut function = start(&db, &[(name, value)]).await;
        let report = function.init_error().await.unwrap().diagnostic();
        assert_eq!(report.error_type, "Runtime.InvalidEnvironment");
        assert!(report.error_message.contains(name), "{report:?}");
        assert!(!function.wait().await.unwrap().success());
    }

    let mut command = Command::new(FIXTURE);
    command.env("DATABASE_URL", format!("{}_missing", db.url()));
    let mut function = Function::spawn_command(command).await.unwrap();
    let report = function.init_error().await.unwrap().diagnostic();
    assert_eq!(report.error_type, STORE_ERROR, "{report:?}");
    assert!(report.error_message.contains(TABLE), "{report:?}");
    // And says how to run without a database.
    assert!(
        report.error_message.contains("LAMBDA_KIT_IDEMPOTENCY=off"),
        "{report:?}"
    );
    assert!(!function.wait().await.unwrap().success());
}

// --- batch handlers -------------------------------------------------------

/// `#[lambda_handler(sqs, idempotent)]`: each record keyed by its message
/// id, not its body. A batch delivered again runs only the records that
/// failed (and those now succeed); records handled once are not handled
/// again, in this instance or another. Records go to the table the handler
/// names.
#[tokio::test]
async fn an_sqs_batch_delivered_again_runs_only_its_failed_records() {
    let db = TestDb::create(EFFECTS).await;
    let pool = db.pool();
    let mut function = start_program(SQS, &db, &[]).await;
    // The last message has the first one's body: another message all the
    // same.
    let batch = SqsBatch::new()
        .json(&json!({"n": 0}))
        .json(&json!({"n": 1, "fail_first": true}))
        .body("not json")
        .json(&json!({"n": 3}))
        .json(&json!({"n": 0}));
    let ids: Vec<String> = (0..5).map(|i| batch.message_id(i)).collect();
    let run_counts = || async {
        let mut counts = Vec::new();
        for id in &ids {
            counts.push(runs_of(&pool, id).await.unwrap());
        }
        counts
    };

    let response = invoke(&mut function, &batch.event()).await.unwrap();
    assert_eq!(
        batch_item_failures(&response),
        [ids[1].as_str(), ids[2].as_str()]
    );
    assert_eq!(run_counts().await, [1, 1, 0, 1, 1]);
    let kept = sqs_records(&pool).await.unwrap();
    assert_eq!(kept.len(), 3, "{kept:?}");
    for record in &kept {
        assert_eq!(
            (record.status, record.response.as_deref()),
            (1, Some(&b"null"[..]))
        );
    }
    assert_eq!(tables_named(&pool, TABLE).await.unwrap(), 0);

    // SQS delivers the batch again: only the failed record runs, and
    // succeeds this time. (The first message's body, changed, does not
    // make it another message.)
    let mut again = batch.event();
    for record in again["Records"].as_array_mut().unwrap() {
        record["attributes"]["ApproximateReceiveCount"] = json!("2");
    }
    again["Records"][0]["body"] = json!(json!({"n": 100}).to_string());
    let response = invoke(&mut function, &again).await.unwrap();
    assert_eq!(batch_item_failures(&response), [ids[2].as_str()]);
    assert_eq!(run_counts().await, [1, 2, 0, 1, 1]);
    assert_eq!(sqs_records(&pool).await.unwrap().len(), 4);

    // And again, here and in another instance: nothing runs.
    let mut other = start_program(SQS, &db, &[]).await;
    for function in [&mut function, &mut other] {
        let response = invoke(function, &again).await.unwrap();
        assert_eq!(batch_item_failures(&response), [ids[2].as_str()]);
    }
    assert_eq!(run_counts().await, [1, 2, 0, 1, 1]);
}

// --- the charge example ---------------------------------------------------

#[rds_query("SELECT COUNT(*) FROM charges WHERE order_id = :order_id")]
async fn charges_of(pool: &rds::Pool, order_id: &str) -> Result<u64, rds::Error>;

fn charge_request(id: &str, amount_cents: i64) -> Value {
    json!({"order": {"id": id, "customer": "alice", "amount_cents": amount_cents}})
}

/// examples/charge: an order is charged once however often it is
/// delivered, to any instance; the same order id with another order is
/// refused; a refused (failed) charge is not remembered.
#[tokio::test]
async fn the_charge_example_charges_once_and_refuses_a_changed_order() {
    let schema = rds_common::in_own_database(include_str!("../examples/charge/charge.sql"));
    let db = TestDb::create(&schema).await;
    let pool = db.pool();
    let start_charge = || {
        let mut command = without_settings(CHARGE);
        command.env("DATABASE_URL", db.url());
        Function::spawn_command(command)
    };
    let mut one = start_charge().await.unwrap();
    let mut two = start_charge().await.unwrap();

    let receipt = invoke(&mut one, &charge_request("o-1", 1250))
        .await
        .unwrap();
    assert_eq!(receipt["order_id"], "o-1");
    assert_eq!(receipt["amount_cents"], 1250);
    for function in [&mut one, &mut two] {
        let again = invoke(function, &charge_request("o-1", 1250)).await;
        assert_eq!(again, Ok(receipt.clone()));
    }
    assert_eq!(charges_of(&pool, "o-1").await.unwrap(), 1);

    let changed = error(invoke(&mut two, &charge_request("o-1", 9999)).await);
    assert_eq!(changed.error_type, MISMATCH, "{changed:?}");
    assert_eq!(charges_of(&pool, "o-1").await.unwrap(), 1);

    // A charge the handler refuses is not kept: the corrected order, under
    // the same id, is charged.
    let refused = error(invoke(&mut one, &charge_request("o-2", 0)).await);
    assert!(
        refused.error_message.contains("must be positive"),
        "{refused:?}"
    );
    let corrected = invoke(&mut two, &charge_request("o-2", 300)).await.unwrap();
    assert_eq!(corrected["amount_cents"], 300);
    assert_eq!(charges_of(&pool, "o-2").await.unwrap(), 1);
}

/// examples/charge as the README says to try it: run locally (no Runtime
/// API) twice on one order, both runs print the same receipt and `charges`
/// has one row; the same id with another amount is refused. The
/// idempotency table is created by the local run's init when missing.
#[tokio::test]
async fn the_charge_example_run_locally_twice_charges_once() {
    let schema = rds_common::in_own_database(include_str!("../examples/charge/charge.sql"));
    let charges_only = schema
        .split(";\n")
        .filter(|statement| !statement.contains(TABLE))
        .collect::<Vec<_>>()
        .join(";\n");
    let db = TestDb::create(&charges_only).await;
    let pool = db.pool();
    let url = db.url();
    let run = |amount_cents: i64| {
        let order = charge_request("o-1", amount_cents).to_string();
        let env = [("DATABASE_URL", url.as_str()), (ENABLED_ENV, "on")];
        let out = run_locally_with_env(CHARGE, &[&order], None, &env);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stdout, stderr)
    };
    let receipt = r#"{"order_id":"o-1","charge_id":1,"amount_cents":1250}"#;
    for _ in 0..2 {
        let (success, stdout, stderr) = run(1250);
        assert!(success, "{stdout}\n{stderr}");
        assert_eq!(stdout.trim_end(), receipt, "{stderr}");
    }
    assert_eq!(tables_named(&pool, TABLE).await.unwrap(), 1);
    assert_eq!(charges_of(&pool, "o-1").await.unwrap(), 1);

    let (success, stdout, stderr) = run(1251);
    assert!(!success, "{stdout}\n{stderr}");
    assert!(stderr.contains(MISMATCH), "{stderr}");
    assert_eq!(charges_of(&pool, "o-1").await.unwrap(), 1);
}
