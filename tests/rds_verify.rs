//! `rds::verify_queries`: every `#[rds_query]` of this test binary checked
//! against a live schema at once, as an app author would in one test; and
//! `rds::verify_queries_with_schema`, which loads that schema from a script
//! into a scratch database of its own.
//!
//! `cargo test --test rds_verify` (needs `DATABASE_URL` or a local server).

mod rds_common;

use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::{self, ProblemKind, VerifyError};
use lambda_kit::rds_query;
use rds_common::TestDb;

const SCHEMA: &str = "
CREATE TABLE test (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    email VARCHAR(255) NULL
)";

#[derive(Debug, rds::FromRow)]
#[allow(dead_code)]
struct Test {
    id: i64,
    name: String,
    email: Option<String>,
}

#[derive(Debug, rds::FromRow)]
#[allow(dead_code)]
struct Strict {
    name: String,
    email: String,
}

#[derive(Debug, rds::FromRow)]
#[allow(dead_code)]
struct IdAndName {
    id: i64,
    name: String,
}

// Queries that fit the schema.

#[rds_query("SELECT id, name, email FROM test WHERE name = :name")]
async fn by_name(pool: &rds::Pool, name: &str) -> Result<Vec<Test>, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test")]
async fn count(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("SELECT MAX(id) FROM test")]
async fn max_id(pool: &rds::Pool) -> Result<Option<Option<i64>>, rds::Error>;

#[rds_query("SELECT id, email FROM test")]
async fn emails(pool: &rds::Pool) -> Result<Vec<(i64, Option<String>)>, rds::Error>;

#[rds_query("INSERT INTO test (name, email) VALUES (?, ?)")]
async fn insert(pool: &rds::Pool, name: &str, email: Option<&str>)
    -> Result<rds::Exec, rds::Error>;

#[rds_query("DELETE FROM test WHERE name = :name")]
async fn delete(pool: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

/// Computed columns are not held to the server's (pessimistic) NULL flag.
#[rds_query("SELECT UPPER(name) FROM test")]
async fn upper_names(pool: &rds::Pool) -> Result<Vec<String>, rds::Error>;

// Queries that do not.

#[rds_query("SELECT name, email FROM test")]
async fn nullable_into_string(pool: &rds::Pool) -> Result<Vec<Strict>, rds::Error>;

#[rds_query("SELECT id, name, email FROM test")]
async fn tuple_too_narrow(pool: &rds::Pool) -> Result<Vec<(i64, String)>, rds::Error>;

#[rds_query("SELECT * FROM test")]
async fn unread_columns(pool: &rds::Pool) -> Result<Vec<IdAndName>, rds::Error>;

#[rds_query("SELECT id FROM no_such_table")]
async fn missing_table(pool: &rds::Pool) -> Result<Vec<i64>, rds::Error>;

/// One query, two problems: it counts once in the summary.
#[rds_query("SELECT email FROM test")]
async fn two_problems(pool: &rds::Pool) -> Result<Vec<Strict>, rds::Error>;

/// `(query name, problem)` for every problem, sorted.
fn problems(result: Result<rds::Verified, VerifyError>) -> Vec<(&'static str, ProblemKind)> {
    match result {
        Err(VerifyError::Queries { checked, problems }) => {
            assert_eq!(checked, 12, "every query of this binary is registered");
            let mut found: Vec<_> = problems
                .into_iter()
                .map(|p| (p.query.name(), p.kind))
                .collect();
            found.sort_by_key(|(name, _)| *name);
            found
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

/// What [`problems`] finds with [`SCHEMA`] loaded into `database`.
fn expected(database: &str) -> Vec<(&'static str, ProblemKind)> {
    vec![
        (
            "missing_table",
            ProblemKind::Sql {
                code: 1146,
                message: format!("Table '{database}.no_such_table' doesn't exist"),
            },
        ),
        (
            "nullable_into_string",
            ProblemKind::Nullable {
                column: "email".into(),
                rust_type: "String".into(),
            },
        ),
        (
            "tuple_too_narrow",
            ProblemKind::ColumnCount {
                columns: 3,
                reads: 2,
                rust_type: "(i64, String)".into(),
            },
        ),
        (
            "two_problems",
            ProblemKind::MissingColumn {
                column: "name".into(),
                available: "`email`".into(),
            },
        ),
        (
            "two_problems",
            ProblemKind::Nullable {
                column: "email".into(),
                rust_type: "String".into(),
            },
        ),
        (
            "unread_columns",
            ProblemKind::UnreadColumns {
                columns: "`email`".into(),
                rust_type: "IdAndName".into(),
            },
        ),
    ]
}

#[tokio::test]
async fn every_query_is_checked_and_every_mismatch_reported() {
    let db = TestDb::create(SCHEMA).await;
    let result = rds::verify_queries(&db.pool()).await;
    let report = format!("{:?}", result.as_ref().err());
    assert_eq!(problems(result), expected(db.name()));
    // The report counts queries, not problems, and names each query, where
    // it is, what is wrong with it and its SQL.
    assert!(
        report.contains("5 of 12 queries do not fit the schema:"),
        "{report}"
    );
    assert!(
        report.contains("rds_verify::two_problems (tests/rds_verify.rs:"),
        "{report}"
    );
    assert!(
        report.contains(
            "):\n    - no column `name` in the result (it has `email`)\n    \
             - column `email` can be NULL but is read into `String`: use `Option<String>`\n    \
             SELECT email FROM test"
        ),
        "{report}"
    );
    assert!(
        report.contains("rds_verify::nullable_into_string (tests/rds_verify.rs:"),
        "{report}"
    );
    assert!(
        report.contains("column `email` can be NULL but is read into `String`: use `Option<String>`\n    SELECT name, email FROM test"),
        "{report}"
    );
    // Verifying prepares but never runs anything.
    assert_eq!(count(&db.pool()).await.unwrap(), 0);
}

#[tokio::test]
async fn a_renamed_column_is_caught() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();
    let before = problems(rds::verify_queries(&pool).await);
    let mut conn = pool.conn().await.unwrap();
    rds::mysql_async::prelude::Queryable::query_drop(
        conn.as_mysql(),
        "ALTER TABLE test CHANGE name full_name VARCHAR(64) NOT NULL",
    )
    .await
    .unwrap();
    drop(conn);
    let after = problems(rds::verify_queries(&pool).await);
    let new: Vec<_> = after.iter().filter(|p| !before.contains(p)).collect();
    let unknown = |query: &'static str, clause: &str| {
        (
            query,
            ProblemKind::Sql {
                code: 1054,
                message: format!("Unknown column 'name' in '{clause}'"),
            },
        )
    };
    assert_eq!(
        new,
        [
            &unknown("by_name", "SELECT"),
            &unknown("delete", "WHERE"),
            &unknown("insert", "INSERT INTO"),
            &unknown("nullable_into_string", "SELECT"),
            &unknown("tuple_too_narrow", "SELECT"),
            &(
                "unread_columns",
                ProblemKind::MissingColumn {
                    column: "name".into(),
                    available: "`id`, `full_name`, `email`".into(),
                }
            ),
            &(
                "unread_columns",
                ProblemKind::UnreadColumns {
                    columns: "`full_name`, `email`".into(),
                    rust_type: "IdAndName".into(),
                }
            ),
            &unknown("upper_names", "SELECT"),
        ]
    );
}

#[tokio::test]
async fn no_server_is_an_error_not_a_pass() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let pool = rds::Pool::new(rds::Config::new("127.0.0.1").with_port(port)).unwrap();
    let err = rds::verify_queries(&pool).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::Database(rds::Error::Connect { .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot verify the queries: cannot connect"),
        "{err}"
    );
}

/// The databases on the server named `name` (a LIKE pattern).
async fn databases_like(name: &str) -> Vec<String> {
    let pool = rds::Pool::new(rds_common::server()).unwrap();
    let mut conn = pool
        .conn()
        .await
        .unwrap_or_else(|err| panic!("{}", rds_common::no_server(&rds_common::server(), &err)));
    let found = conn
        .as_mysql()
        .query(format!("SHOW DATABASES LIKE '{name}'"))
        .await
        .unwrap();
    drop(conn);
    pool.disconnect().await.unwrap();
    found
}

/// The scratch database a server message such as "Table
/// 'lk_verify_1_2_3.no_such_table' doesn't exist" names.
fn scratch_in(message: &str) -> &str {
    let name = message
        .split('\'')
        .nth(1)
        .and_then(|table| table.split('.').next())
        .unwrap_or_else(|| panic!("no database in {message:?}"));
    let prefix = format!("lk_verify_{}_", std::process::id());
    assert!(name.starts_with(&prefix), "{message}");
    name
}

#[tokio::test]
async fn the_schema_script_is_loaded_into_a_scratch_database_dropped_afterwards() {
    // An app's script: comments, and a database of its own that must be
    // neither created nor used.
    let skipped = format!("lk_skipped_{}", std::process::id());
    let script = format!(
        "-- The app's schema.\n\
         #   mariadb < schema.sql\n\
         \n\
         CREATE DATABASE IF NOT EXISTS {skipped} CHARACTER SET utf8mb4;\n\
         USE {skipped};\n\
         {SCHEMA};\n\
         -- A row, which verifying never reads.\n\
         INSERT INTO test (name, email)\n\
         VALUES ('ada', NULL);\n"
    );
    let result = rds::verify_queries_with_schema(&script).await;
    let found = problems(result);
    let ProblemKind::Sql { message, .. } = &found[0].1 else {
        panic!("{found:?}")
    };
    let scratch = scratch_in(message).to_owned();
    // The tables went into the scratch database: only the mismatches this
    // binary has on purpose are reported.
    assert_eq!(found, expected(&scratch));
    assert_eq!(databases_like(&scratch).await, Vec::<String>::new());
    assert_eq!(databases_like(&skipped).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_failing_statement_names_its_line_and_the_scratch_database_is_dropped() {
    let script = format!("-- Two statements.\n{SCHEMA};\n\nSELECT id\nFROM no_such_table;\n");
    let err = rds::verify_queries_with_schema(&script).await.unwrap_err();
    let VerifyError::Script {
        line,
        statement,
        source: rds::mysql_async::Error::Server(server),
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*line, 9);
    assert_eq!(statement, "SELECT id\nFROM no_such_table");
    assert_eq!(server.code, 1146);
    let scratch = scratch_in(&server.message);
    assert!(
        err.to_string().starts_with(&format!(
            "cannot verify the queries: the schema script failed at line 9: \
             Table '{scratch}.no_such_table' doesn't exist (server error 1146)\n    SELECT id\n"
        )),
        "{err}"
    );
    assert_eq!(databases_like(scratch).await, Vec::<String>::new());
}
