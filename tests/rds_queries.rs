//! `#[rds_query]` against a real MariaDB/MySQL: every result shape, every
//! parameter kind, NULLs, conversion errors, hostile strings, connections
//! and transactions. Each test has a database of its own.
//!
//! `cargo test --test rds_queries` (needs `DATABASE_URL` or a local server).

mod rds_common;

use lambda_kit::{rds, rds_query};
use rds_common::TestDb;

const SCHEMA: &str = "
CREATE TABLE test (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    email VARCHAR(255) NULL,
    UNIQUE KEY test_name (name)
);
INSERT INTO test (name, email) VALUES ('jhc', 'jhc@example.com'), ('alice', NULL), ('bob', 'bob@example.com');
CREATE TABLE kinds (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    i8v TINYINT NULL, u8v TINYINT UNSIGNED NULL, i16v SMALLINT NULL, i32v INT NULL,
    i64v BIGINT NULL, u64v BIGINT UNSIGNED NULL, f32v FLOAT NULL, f64v DOUBLE NULL,
    bv BOOL NULL, sv VARCHAR(255) NULL, tv TEXT NULL, blobv BLOB NULL
);
";

#[derive(Debug, PartialEq, rds::FromRow)]
struct Test {
    id: i64,
    name: String,
    email: Option<String>,
}

#[derive(Debug, PartialEq, rds::FromRow)]
struct Renamed {
    #[rds(rename = "name")]
    who: String,
    id: u32,
}

#[derive(Debug, PartialEq, rds::FromRow)]
struct Pair(i64, String);

// --- result shapes ---------------------------------------------------------

#[rds_query("SELECT id, name, email FROM test ORDER BY id")]
async fn all_rows(db: &rds::Pool) -> Result<Vec<Test>, rds::Error>;

#[rds_query("SELECT id, name, email FROM test WHERE name = :name")]
async fn maybe_row(db: &rds::Pool, name: &str) -> Result<Option<Test>, rds::Error>;

#[rds_query("SELECT id, name, email FROM test WHERE name = ?")]
async fn one_row(db: &rds::Pool, name: &str) -> Result<Test, rds::Error>;

#[rds_query("SELECT id, name, email FROM test WHERE id >= ?")]
async fn one_of_many(db: &rds::Pool, min: i64) -> Result<Test, rds::Error>;

#[rds_query("SELECT name, id FROM test WHERE id = :id")]
async fn renamed(db: &rds::Pool, id: i64) -> Result<Renamed, rds::Error>;

#[rds_query("SELECT id, name FROM test ORDER BY id")]
async fn tuple_struct_rows(db: &rds::Pool) -> Result<Vec<Pair>, rds::Error>;

#[rds_query("SELECT id, name, email FROM test ORDER BY id")]
async fn tuples(db: &rds::Pool) -> Result<Vec<(i64, String, Option<String>)>, rds::Error>;

#[rds_query("SELECT name FROM test ORDER BY id")]
async fn names(db: &rds::Pool) -> Result<Vec<String>, rds::Error>;

#[rds_query("SELECT email FROM test WHERE name = :name")]
async fn email_of(db: &rds::Pool, name: &str) -> Result<Option<Option<String>>, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test")]
async fn count(db: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test WHERE name LIKE :pattern")]
async fn count_like(db: &rds::Pool, pattern: &str) -> Result<i64, rds::Error>;

#[rds_query("INSERT INTO test (name, email) VALUES (:name, :email)")]
async fn insert(db: &rds::Pool, name: &str, email: Option<&str>) -> Result<rds::Exec, rds::Error>;

#[rds_query("UPDATE test SET email = :email WHERE name LIKE :pattern")]
async fn set_email(db: &rds::Pool, pattern: &str, email: Option<String>)
    -> Result<u64, rds::Error>;

#[rds_query("DELETE FROM test WHERE name = ?")]
async fn delete(db: &rds::Pool, name: String) -> Result<(), rds::Error>;

#[rds_query("DELETE FROM test WHERE name = :name RETURNING id, name, email")]
async fn delete_returning(db: &rds::Pool, name: &str) -> Result<Option<Test>, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name) RETURNING id")]
async fn insert_returning(db: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

/// Errors convert into the handler's error type with `?`-style `From`.
#[rds_query("SELECT name FROM test WHERE id = :id")]
async fn name_or_kit_error(db: &rds::Pool, id: i64) -> Result<String, lambda_kit::Error>;

#[tokio::test]
async fn every_result_shape() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let jhc = Test {
        id: 1,
        name: "jhc".into(),
        email: Some("jhc@example.com".into()),
    };
    let alice = Test {
        id: 2,
        name: "alice".into(),
        email: None,
    };

    let rows = all_rows(&pool).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0], jhc);
    assert_eq!(rows[1], alice);

    assert_eq!(maybe_row(&pool, "alice").await.unwrap(), Some(alice));
    assert_eq!(maybe_row(&pool, "nobody").await.unwrap(), None);
    assert_eq!(one_row(&pool, "jhc").await.unwrap(), jhc);
    assert_eq!(
        renamed(&pool, 3).await.unwrap(),
        Renamed {
            who: "bob".into(),
            id: 3
        }
    );
    assert_eq!(
        tuple_struct_rows(&pool).await.unwrap()[2],
        Pair(3, "bob".into())
    );
    assert_eq!(
        tuples(&pool).await.unwrap()[1],
        (2, "alice".to_owned(), None)
    );
    assert_eq!(names(&pool).await.unwrap(), ["jhc", "alice", "bob"]);
    assert_eq!(email_of(&pool, "alice").await.unwrap(), Some(None));
    assert_eq!(
        email_of(&pool, "bob").await.unwrap(),
        Some(Some("bob@example.com".into()))
    );
    assert_eq!(email_of(&pool, "nobody").await.unwrap(), None);
    assert_eq!(count(&pool).await.unwrap(), 3);
    assert_eq!(count_like(&pool, "%o%").await.unwrap(), 1);
    assert_eq!(name_or_kit_error(&pool, 1).await.unwrap(), "jhc");

    let inserted = insert(&pool, "carol", Some("carol@example.com"))
        .await
        .unwrap();
    assert_eq!(
        inserted,
        rds::Exec {
            affected_rows: 1,
            last_insert_id: Some(4)
        }
    );
    // alice and carol match; alice's email is NULL already, so only carol's
    // changes: affected rows count changed rows.
    assert_eq!(set_email(&pool, "%a%", None).await.unwrap(), 1);
    assert_eq!(
        set_email(&pool, "%a%", Some("x@example.com".into()))
            .await
            .unwrap(),
        2
    );
    delete(&pool, "carol".into()).await.unwrap();
    assert_eq!(count(&pool).await.unwrap(), 3);
    let deleted = delete_returning(&pool, "bob").await.unwrap().unwrap();
    assert_eq!((deleted.id, deleted.name.as_str()), (3, "bob"));
    assert_eq!(delete_returning(&pool, "bob").await.unwrap(), None);
    assert_eq!(insert_returning(&pool, "dave").await.unwrap(), 5);
}

#[tokio::test]
async fn exactly_one_row_means_exactly_one() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let err = one_row(&pool, "nobody").await.unwrap_err();
    assert!(
        matches!(err, rds::Error::NotFound { query: "one_row" }),
        "{err:?}"
    );
    assert!(err.to_string().contains("return `Option<_>`"), "{err}");
    let err = one_of_many(&pool, 2).await.unwrap_err();
    assert!(
        matches!(
            err,
            rds::Error::TooManyRows {
                query: "one_of_many"
            }
        ),
        "{err:?}"
    );
    assert_eq!(one_of_many(&pool, 3).await.unwrap().name, "bob");
    // The connection is clean after the errors.
    assert_eq!(count(&pool).await.unwrap(), 3);
    let err = name_or_kit_error(&pool, 99).await.unwrap_err();
    assert_eq!(err.error_type(), "rds::Error");
}

// --- parameters --------------------------------------------------------------

#[derive(Debug, PartialEq, rds::FromRow)]
struct Kinds {
    i8v: Option<i8>,
    u8v: Option<u8>,
    i16v: Option<i16>,
    i32v: Option<i32>,
    i64v: Option<i64>,
    u64v: Option<u64>,
    f32v: Option<f32>,
    f64v: Option<f64>,
    bv: Option<bool>,
    sv: Option<String>,
    tv: Option<String>,
    blobv: Option<Vec<u8>>,
}

#[allow(clippy::too_many_arguments)]
#[rds_query(
    "INSERT INTO kinds (i8v, u8v, i16v, i32v, i64v, u64v, f32v, f64v, bv, sv, tv, blobv)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)]
async fn insert_kinds(
    db: &rds::Pool,
    i8v: i8,
    u8v: u8,
    i16v: i16,
    i32v: Option<i32>,
    i64v: i64,
    u64v: u64,
    f32v: f32,
    f64v: f64,
    bv: bool,
    sv: &str,
    tv: String,
    blobv: &[u8],
) -> Result<rds::Exec, rds::Error>;

#[rds_query("INSERT INTO kinds (sv, blobv, i64v) VALUES (:text, :bytes, :number)")]
async fn insert_owned(
    db: &rds::Pool,
    bytes: Vec<u8>,
    number: Option<i64>,
    text: Option<String>,
) -> Result<u64, rds::Error>;

#[rds_query("SELECT i8v, u8v, i16v, i32v, i64v, u64v, f32v, f64v, bv, sv, tv, blobv FROM kinds WHERE id = :id")]
async fn kinds(db: &rds::Pool, id: u64) -> Result<Kinds, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM kinds WHERE i64v = :n OR i32v = :n OR u64v = :n")]
async fn count_number(db: &rds::Pool, n: i64) -> Result<u64, rds::Error>;

#[tokio::test]
async fn every_parameter_kind_round_trips() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let id = insert_kinds(
        &pool,
        -128,
        255,
        -32768,
        None,
        i64::MIN,
        u64::MAX,
        1.5,
        -2.25e300,
        true,
        "text",
        "more text".to_owned(),
        &[0, 1, 2, 255],
    )
    .await
    .unwrap()
    .last_insert_id
    .unwrap();
    assert_eq!(
        kinds(&pool, id).await.unwrap(),
        Kinds {
            i8v: Some(-128),
            u8v: Some(255),
            i16v: Some(-32768),
            i32v: None,
            i64v: Some(i64::MIN),
            u64v: Some(u64::MAX),
            f32v: Some(1.5),
            f64v: Some(-2.25e300),
            bv: Some(true),
            sv: Some("text".into()),
            tv: Some("more text".into()),
            blobv: Some(vec![0, 1, 2, 255]),
        }
    );
    assert_eq!(
        insert_owned(&pool, vec![9; 3], Some(42), None)
            .await
            .unwrap(),
        1
    );
    let row = kinds(&pool, id + 1).await.unwrap();
    assert_eq!(
        (row.sv, row.blobv, row.i64v),
        (None, Some(vec![9, 9, 9]), Some(42))
    );
    // One named parameter bound at three placeholders.
    assert_eq!(count_number(&pool, 42).await.unwrap(), 1);
}

#[rds_query("INSERT INTO test (name, email) VALUES (:name, :email)")]
async fn store(db: &rds::Pool, name: &str, email: &str) -> Result<rds::Exec, rds::Error>;

#[rds_query("SELECT email FROM test WHERE name = :name")]
async fn load(db: &rds::Pool, name: &str) -> Result<Option<String>, rds::Error>;

#[tokio::test]
async fn hostile_strings_are_stored_and_read_back_unchanged() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let hostile = [
        "' OR 1=1 --",
        "'; DROP TABLE test; --",
        "\" OR \"\"=\"",
        "back\\slash\\",
        "\\'",
        "nul\0byte",
        "emoji 😀🚀 and ñ, 名前",
        ":name ? ?? :: @x",
        "%_%",
        "\n\r\t\u{1b}",
        "",
    ];
    for (i, text) in hostile.iter().enumerate() {
        let name = format!("{i}{text}");
        store(&pool, &name, text).await.unwrap();
        assert_eq!(
            load(&pool, &name).await.unwrap().as_deref(),
            Some(*text),
            "{text:?}"
        );
    }
    assert_eq!(
        count(&pool).await.unwrap(),
        3 + hostile.len() as u64,
        "the table is intact"
    );
    // A hostile value used as a filter matches only itself.
    assert_eq!(load(&pool, "' OR 1=1 --").await.unwrap(), None);
    assert_eq!(count_like(&pool, "' OR 1=1 --").await.unwrap(), 0);
}

// --- NULLs and conversion errors ---------------------------------------------

#[derive(Debug, rds::FromRow)]
struct StrictEmail {
    name: String,
    email: String,
}

#[rds_query("SELECT name, email FROM test WHERE name = :name")]
async fn strict_email(db: &rds::Pool, name: &str) -> Result<StrictEmail, rds::Error>;

#[rds_query("SELECT name AS id FROM test WHERE name = :name")]
async fn name_as_number(db: &rds::Pool, name: &str) -> Result<i64, rds::Error>;

#[rds_query("SELECT u64v FROM kinds")]
async fn too_big(db: &rds::Pool) -> Result<Vec<i32>, rds::Error>;

#[rds_query("SELECT id, name FROM test")]
async fn missing_field(db: &rds::Pool) -> Result<Vec<Test>, rds::Error>;

#[rds_query("SELECT id, name, email FROM test")]
async fn too_wide(db: &rds::Pool) -> Result<Vec<(i64, String)>, rds::Error>;

#[rds_query("SELECT id, name FROM test")]
async fn too_wide_scalar(db: &rds::Pool) -> Result<Vec<i64>, rds::Error>;

#[rds_query("INSERT INTO kinds (u64v) VALUES (:value)")]
async fn insert_u64(db: &rds::Pool, value: u64) -> Result<(), rds::Error>;

#[tokio::test]
async fn nulls_and_mismatches_are_errors_not_panics() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    assert_eq!(
        strict_email(&pool, "jhc").await.unwrap().email,
        "jhc@example.com"
    );
    assert_eq!(strict_email(&pool, "jhc").await.unwrap().name, "jhc");
    let err = strict_email(&pool, "alice").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "strict_email: column `email` is NULL, which `String` cannot hold: read it as `Option<String>`"
    );
    let err = name_as_number(&pool, "jhc").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "name_as_number: column `id` (VARCHAR) does not convert to `i64`: read it as a Rust type that holds every value of the column"
    );
    insert_u64(&pool, u64::MAX).await.unwrap();
    let err = too_big(&pool).await.unwrap_err();
    assert!(
        matches!(&err, rds::Error::Type { column, sql_type, rust_type, .. }
        if column == "u64v" && sql_type == "BIGINT UNSIGNED" && rust_type == "i32"),
        "{err:?}"
    );
    let err = missing_field(&pool).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("missing_field: the result has no column `email` (it has `id`, `name`)"),
        "{err}"
    );
    let err = too_wide(&pool).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "too_wide: rows have 3 column(s) but `(i64, String)` reads 2"
    );
    let err = too_wide_scalar(&pool).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "too_wide_scalar: rows have 2 column(s) but `i64` reads 1"
    );
    // The pool's connection survives every failed conversion.
    assert_eq!(count(&pool).await.unwrap(), 3);
}

#[rds_query("INSERT INTO test (name) VALUES (:name)")]
async fn insert_name(db: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

#[rds_query("SELECT nme FROM test")]
async fn bad_column(db: &rds::Pool) -> Result<Vec<String>, rds::Error>;

#[tokio::test]
async fn server_errors_carry_code_and_query() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let err = insert_name(&pool, "jhc").await.unwrap_err();
    assert_eq!(err.server_code(), Some(1062), "{err}");
    assert!(
        err.to_string()
            .starts_with("insert_name: Duplicate entry 'jhc'"),
        "{err}"
    );
    let err = bad_column(&pool).await.unwrap_err();
    assert_eq!(err.server_code(), Some(1054), "{err}");
    assert!(err.to_string().contains("Unknown column 'nme'"), "{err}");
}

// --- connections and transactions ---------------------------------------------

#[rds_query("SELECT CONNECTION_ID()")]
async fn connection_id_on(conn: &mut rds::Conn) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name)")]
async fn insert_in(tx: &mut rds::Transaction<'_>, name: &str) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test")]
async fn count_in(tx: &mut rds::Transaction<'_>) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test")]
async fn count_on(conn: &mut rds::Conn) -> Result<u64, rds::Error>;

#[tokio::test]
async fn queries_share_a_connection_or_a_transaction() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let mut conn = pool.conn().await.unwrap();
    let id = conn.id();
    assert_eq!(connection_id_on(&mut conn).await.unwrap(), u64::from(id));
    assert_eq!(connection_id_on(&mut conn).await.unwrap(), u64::from(id));

    // Committed.
    let mut tx = conn.begin().await.unwrap();
    insert_in(&mut tx, "carol").await.unwrap();
    insert_in(&mut tx, "dave").await.unwrap();
    assert_eq!(count_in(&mut tx).await.unwrap(), 5);
    tx.commit().await.unwrap();
    assert_eq!(count_on(&mut conn).await.unwrap(), 5);

    // Rolled back explicitly, then by dropping.
    let mut tx = conn.begin().await.unwrap();
    insert_in(&mut tx, "erin").await.unwrap();
    tx.rollback().await.unwrap();
    {
        let mut tx = conn.begin().await.unwrap();
        insert_in(&mut tx, "frank").await.unwrap();
        assert_eq!(count_in(&mut tx).await.unwrap(), 6);
    }
    assert_eq!(count_on(&mut conn).await.unwrap(), 5);
    drop(conn);

    // A transaction owning its pooled connection; a failure inside leaves
    // nothing behind.
    let mut tx = pool.begin().await.unwrap();
    insert_in(&mut tx, "gina").await.unwrap();
    let err = insert_in(&mut tx, "jhc").await.unwrap_err();
    assert_eq!(err.server_code(), Some(1062));
    drop(tx);
    assert_eq!(count(&pool).await.unwrap(), 5);
}

#[tokio::test]
async fn a_held_connection_does_not_deadlock_a_pool_query() {
    let db = TestDb::create(SCHEMA).await;
    let pool = rds::Pool::new(
        db.config()
            .with_connect_timeout(std::time::Duration::from_millis(300)),
    )
    .unwrap();
    let held = pool.conn().await.unwrap();
    let err = count(&pool).await.unwrap_err();
    assert!(
        matches!(err, rds::Error::PoolExhausted { max: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("pass it to the query (`conn: &mut rds::Conn`) or raise RDS_POOL_MAX"),
        "{err}"
    );
    drop(held);
    assert_eq!(count(&pool).await.unwrap(), 3);
}
