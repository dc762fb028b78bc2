//! [`verify_queries_with_schema`]: the schema check in one call, against a
//! scratch database loaded from the app's own SQL script.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use mysql_async::prelude::Queryable;

use super::registry::{created_tables, verify_queries, Verified, VerifyError};
use super::{Config, Error, Pool};

/// The server used when `DATABASE_URL` is unset: a local MariaDB or MySQL.
const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// What driver errors of the scratch database's own statements are filed
/// under.
const WHAT: &str = "verify_queries_with_schema";

/// Scratch databases created by this process so far.
static SCRATCH: AtomicUsize = AtomicUsize::new(0);

/// [`verify_queries`] against the schema `script` creates: the one test an
/// app writes to check all of its queries.
///
/// ```no_run
/// # // The file is the crate's own; here a stand-in.
/// # macro_rules! include_str { ($path:literal) => { "CREATE TABLE t (id INT)" } }
/// # async fn every_query_fits_the_schema() {
/// // In a `#[tokio::test]` (tokio as a dev-dependency):
/// let checked = lambda_kit::rds::verify_queries_with_schema(include_str!("../schema.sql"))
///     .await
///     .unwrap();
/// assert_eq!(checked.queries, 2);
/// # }
/// ```
///
/// It connects to the server of `DATABASE_URL` (default
/// `mysql://root@127.0.0.1:3306/test`; the database the URL names is not
/// touched), creates a database of its own named
/// `lk_verify_<process id>_<nanoseconds>_<counter>` (so concurrent calls,
/// in one process or several, never share one), runs the script's
/// statements in it, verifies every registered query, and drops the
/// database again, also when a statement or the verification failed. No
/// server is [`VerifyError::NoServer`], whose message says how to start
/// one; a statement the server rejects is [`VerifyError::Script`], with
/// its line.
///
/// The script is the one that creates the app's schema, as given to the
/// `mysql` client. Statements that choose or manage a database (`USE`,
/// `CREATE`, `ALTER` and `DROP DATABASE` or `SCHEMA`) are skipped: the
/// script's tables go into the scratch database, and the real one is never
/// touched. Tables must therefore be named without a database
/// (`orders`, not `web.orders`). How the script is read:
/// - a statement ends with a `;` at the end of a line (trailing blanks
///   allowed), so several statements on one line, or a `;` followed by a
///   comment, are sent together as one;
/// - lines starting with `--` or `#` are comments and dropped; comments
///   within a line, and `/* ... */`, are left to the server;
/// - no `DELIMITER`: stored procedures, functions and triggers whose
///   bodies hold `;` at line ends cannot be loaded this way. Create them
///   in a script of their own, or leave them out: queries are verified by
///   preparing them, which never runs a trigger.
pub async fn verify_queries_with_schema(script: &str) -> Result<Verified, VerifyError> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let server = Config::from_url(&url)
        .map_err(VerifyError::Database)?
        .without_database();
    let statements = statements(script);
    let admin = Pool::new(server.clone()).map_err(VerifyError::Database)?;
    let name = scratch_name();
    let created = async {
        let mut conn = admin.conn().await.map_err(VerifyError::NoServer)?;
        conn.as_mysql()
            .query_drop(format!("CREATE DATABASE `{name}`"))
            .await
            .map_err(|err| VerifyError::Database(Error::driver(WHAT, err)))
    }
    .await;
    let result = match created {
        Ok(()) => load_and_verify(server.with_database(name.clone()), &statements).await,
        Err(err) => {
            // Nothing was created, so nothing to drop.
            let _ = admin.disconnect().await;
            return Err(err);
        }
    };
    // A connection of its own: the one that created the database may have
    // gone stale while the queries were verified.
    let dropped = async {
        let mut conn = admin.conn().await?;
        conn.as_mysql()
            .query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
            .await
            .map_err(|err| Error::driver(WHAT, err))
    }
    .await;
    let _ = admin.disconnect().await;
    match (result, dropped) {
        (Ok(_), Err(err)) => Err(VerifyError::Database(err)),
        // A failed verification says more than a failed clean-up.
        (result, _) => result,
    }
}

/// Runs the script in the scratch database `config` names, then verifies.
async fn load_and_verify(
    config: Config,
    statements: &[Statement],
) -> Result<Verified, VerifyError> {
    let pool = Pool::new(config).map_err(VerifyError::Database)?;
    let result = async {
        let mut conn = pool.conn().await.map_err(VerifyError::Database)?;
        for statement in statements {
            conn.as_mysql()
                .query_drop(&statement.sql)
                .await
                .map_err(|source| VerifyError::Script {
                    line: statement.line,
                    statement: statement.sql.clone(),
                    source,
                })?;
        }
        // The tables the bootstrap creates at init exist when it runs.
        for sql in created_tables() {
            conn.as_mysql()
                .query_drop(sql)
                .await
                .map_err(|err| VerifyError::Database(Error::driver(WHAT, err)))?;
        }
        // Returned to the pool, which `verify_queries` takes it from.
        drop(conn);
        verify_queries(&pool).await
    }
    .await;
    let _ = pool.disconnect().await;
    result
}

/// A database name no other call, here or in another process, uses at the
/// same time: the process id and a counter, and the time for processes in
/// other containers that share the server and a process id.
fn scratch_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "lk_verify_{}_{nanos}_{}",
        std::process::id(),
        SCRATCH.fetch_add(1, Ordering::Relaxed)
    )
}

/// One statement of a script.
#[derive(Debug, PartialEq, Eq)]
struct Statement {
    /// The script's line (from 1) the statement starts on.
    line: usize,
    /// Its SQL, without the final `;`.
    sql: String,
}

/// The statements of `script` to run in the scratch database, as
/// [`verify_queries_with_schema`] documents: split at `;` ending a line,
/// comment lines dropped, database statements skipped.
fn statements(script: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current: Option<Statement> = None;
    for (index, line) in script.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") || trimmed.starts_with('#') {
            continue;
        }
        let statement = current.get_or_insert_with(|| Statement {
            line: index + 1,
            sql: String::new(),
        });
        statement.sql.push_str(line.trim_end());
        statement.sql.push('\n');
        if trimmed.ends_with(';') {
            out.extend(current.take());
        }
    }
    out.extend(current);
    for statement in &mut out {
        statement.sql = statement
            .sql
            .trim()
            .trim_end_matches(';')
            .trim_end()
            .to_owned();
    }
    out.retain(|statement| !statement.sql.is_empty() && !manages_a_database(&statement.sql));
    out
}

/// Whether `sql` chooses or manages a database rather than creating what
/// is in one.
fn manages_a_database(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["USE", ..]
            | ["CREATE" | "ALTER" | "DROP", "DATABASE" | "SCHEMA", ..]
            | ["CREATE", "OR", "REPLACE", "DATABASE" | "SCHEMA", ..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(script: &str) -> Vec<String> {
        statements(script).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn statements_end_with_a_semicolon_at_a_line_end() {
        let script = "-- The schema.\n\
                      # Also a comment.\n\
                      \n\
                      CREATE TABLE t (\n\
                      \x20   -- the key\n\
                      \x20   id INT, -- stays: the server skips it\n\
                      \x20   note VARCHAR(9) DEFAULT 'a;b'\n\
                      );  \n\
                      INSERT INTO t (id) VALUES (1);\n\
                      SELECT 1";
        assert_eq!(
            statements(script),
            [
                Statement {
                    line: 4,
                    sql: "CREATE TABLE t (\n    id INT, -- stays: the server skips it\n    \
                          note VARCHAR(9) DEFAULT 'a;b'\n)"
                        .to_owned(),
                },
                Statement {
                    line: 9,
                    sql: "INSERT INTO t (id) VALUES (1)".to_owned(),
                },
                Statement {
                    line: 10,
                    sql: "SELECT 1".to_owned(),
                },
            ]
        );
    }

    #[test]
    fn database_statements_are_skipped() {
        let script = "CREATE DATABASE IF NOT EXISTS web CHARACTER SET utf8mb4;\n\
                      create schema web;\n\
                      CREATE OR REPLACE DATABASE web;\n\
                      ALTER DATABASE web CHARACTER SET utf8mb4;\n\
                      DROP DATABASE IF EXISTS web;\n\
                      DROP SCHEMA web;\n\
                      use web;\n\
                      USE\n  web;\n\
                      CREATE TABLE web_users (id INT);\n\
                      CREATE TABLE used (id INT);\n\
                      DROP TABLE databases;\n\
                      ;\n";
        assert_eq!(
            sql(script),
            [
                "CREATE TABLE web_users (id INT)",
                "CREATE TABLE used (id INT)",
                "DROP TABLE databases",
            ]
        );
    }

    #[test]
    fn an_empty_script_has_no_statements() {
        assert!(statements("").is_empty());
        assert!(statements("-- nothing\n\n").is_empty());
    }

    #[test]
    fn scratch_names_differ_within_a_process() {
        let (a, b) = (scratch_name(), scratch_name());
        let prefix = format!("lk_verify_{}_", std::process::id());
        assert!(a.starts_with(&prefix) && b.starts_with(&prefix), "{a} {b}");
        assert_ne!(a, b);
        assert!(a.len() <= 64, "MySQL names are at most 64 characters: {a}");
    }
}
