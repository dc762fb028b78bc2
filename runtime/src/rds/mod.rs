//! Pooled, typed, checked MySQL/MariaDB queries (feature `rds`).
//!
//! ```no_run
//! use lambda_kit::{rds, rds_query};
//!
//! #[derive(Debug, rds::FromRow)]
//! struct Test {
//!     id: i64,
//!     name: String,
//! }
//!
//! #[rds_query("SELECT id, name FROM test WHERE name = :name")]
//! async fn find_by_name(name: &str) -> Result<Vec<Test>, rds::Error>;
//! ```
//!
//! Enable it with `lambda-kit = { git = "https://github.com/lambda-kit/lambda-kit", features = ["rds"] }`
//! (add `rds-tls` for TLS, `rds-chrono` / `rds-time` for date and time
//! types). [`rds_query`](crate::rds_query) documents the accepted forms:
//! parameters, result shapes, row types ([`FromRow`]), where a query runs
//! (this pool, a [`Pool`], a [`Conn`] or a [`Transaction`]) and its compile
//! errors.
//!
//! # Configuration
//!
//! The process-wide [`pool`] is created on first use and kept for the life
//! of the instance. It reads the environment ([`Config::from_env`]):
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `DATABASE_URL` | `mysql://user:password@host:3306/database` (percent-encoded user/password; optional `?ssl-mode=...&ssl-ca=...`) | |
//! | `RDS_HOSTNAME`, `RDS_PORT`, `RDS_USERNAME`, `RDS_PASSWORD`, `RDS_DB_NAME` | used when `DATABASE_URL` is unset | port 3306 |
//! | `RDS_POOL_MAX` | connections at most | `AWS_LAMBDA_MAX_CONCURRENCY`, else 1 |
//! | `RDS_POOL_MIN` | idle connections kept between invocations | 1 |
//! | `RDS_CONNECT_TIMEOUT_MS` | getting a connection (server or free pool slot) | 2000 |
//! | `RDS_PING_AFTER_IDLE_MS` | ping an idle connection before a write; `off` never | 1000 |
//! | `RDS_STATEMENT_CACHE` | prepared statements kept per connection | 32 |
//! | `RDS_SSL_MODE` | `DISABLED`, `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY` | `DISABLED` |
//! | `RDS_SSL_CA` | CA bundle (PEM) the server certificate must chain to | |
//!
//! Or [`configure`] it in code before the first query, e.g. with a password
//! from Secrets Manager in `init`:
//!
//! ```no_run
//! use lambda_kit::rds;
//! # async fn fetch_secret() -> Result<String, lambda_kit::Error> { Ok(String::new()) }
//!
//! async fn setup() -> Result<(), lambda_kit::Error> {
//!     let password = fetch_secret().await?;
//!     rds::configure(
//!         rds::Config::new("mydb.xxxx.eu-west-1.rds.amazonaws.com")
//!             .with_user("app")
//!             .with_password(password)
//!             .with_database("web"),
//!     )?;
//!     Ok(())
//! }
//! ```
//!
//! Credentials never appear in `Debug` output, logs or error messages.
//!
//! **Pool tuning.** Lambda sends one invocation at a time to an instance,
//! so the default is one connection, opened once and reused by every warm
//! invocation with its prepared statements. On Lambda Managed Instances,
//! which run up to `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once, the
//! default is that many connections, one per invocation in flight (opened
//! as needed; `RDS_POOL_MIN` are kept idle). Mind the database's
//! `max_connections`: it must cover every environment's pool. Raise `RDS_POOL_MAX` if a
//! handler runs queries concurrently, or holds a [`Conn`] or transaction
//! while calling pool queries (that query otherwise fails after the connect
//! timeout with [`Error::PoolExhausted`], which says so). Keep
//! `RDS_CONNECT_TIMEOUT_MS` well below the function timeout: an unreachable
//! database (VPC, security group) then fails fast with
//! [`Error::ConnectTimeout`] naming the address. A connection the server
//! closed while the instance was frozen (`wait_timeout`, failover, `KILL`)
//! does not fail the invocation: it is replaced, a read that hit it is
//! retried once on a fresh connection, and a write is preceded by a ping
//! when its connection sat idle longer than `RDS_PING_AFTER_IDLE_MS`; a
//! write that may have reached the server is never run twice. (A read with
//! side effects, such as `SELECT nextval(...)`, can therefore run twice.) A
//! database that stops answering mid-invocation is [`Error::Timeout`] one
//! margin before the handler's budget ends (see
//! [Deadlines](crate::lambda_handler#deadlines)), and a connection whose
//! query timed out or was cancelled is discarded rather than returned to
//! the pool, so the next invocation gets a healthy one. On SIGTERM the pool
//! is closed politely ([graceful
//! shutdown](crate::lambda_handler#graceful-shutdown)).
//!
//! **TLS to RDS.** Build with `features = ["rds", "rds-tls"]`, ship the RDS
//! CA bundle (`global-bundle.pem`) in the deployment package, and set
//! `RDS_SSL_MODE=VERIFY_IDENTITY RDS_SSL_CA=/var/task/global-bundle.pem` (or
//! `?ssl-mode=VERIFY_IDENTITY&ssl-ca=...` on the URL). `REQUIRED` encrypts
//! without checking the certificate.
//!
//! # Checking every query against the schema
//!
//! Each `#[rds_query]` registers itself ([`queries`]). One test in the crate
//! checks all of its queries against a live database with
//! [`verify_queries`]: the server accepts the SQL, the parameter count
//! matches, the columns are the ones the row type reads (by name for
//! structs, by count for tuples and scalars), and no table column that can
//! be NULL goes into a non-`Option` field. Every problem is reported at
//! once, with the fn, its file and line, and its SQL.
//!
//! [`verify_queries_with_schema`] does it all from the app's schema script
//! (the one given to the `mysql` client): it creates a scratch database on
//! the server of `DATABASE_URL` (default `mysql://root@127.0.0.1:3306/test`),
//! runs the script's statements in it (skipping its `CREATE DATABASE` and
//! `USE`), verifies, and drops the database again, pass or fail:
//!
//! ```no_run
//! # // The file is the crate's own; here a stand-in.
//! # macro_rules! include_str { ($path:literal) => { "CREATE TABLE t (id INT)" } }
//! # async fn every_query_fits_the_schema() {
//! // In a `#[tokio::test]` (tokio as a dev-dependency):
//! let checked = lambda_kit::rds::verify_queries_with_schema(include_str!("../schema.sql"))
//!     .await
//!     .unwrap();
//! assert_eq!(checked.queries, 2);
//! # }
//! ```
//!
//! With a database already set up, call [`verify_queries`] on a pool:
//!
//! ```no_run
//! # async fn every_query_fits_the_schema() {
//! let pool = lambda_kit::rds::Pool::new(lambda_kit::rds::Config::from_env().unwrap()).unwrap();
//! let checked = lambda_kit::rds::verify_queries(&pool).await.unwrap();
//! assert!(checked.queries > 0);
//! # }
//! ```

mod budget;
mod config;
mod conn;
mod error;
mod exec;
mod param;
mod pool;
mod registry;
mod retry;
mod row;
mod scratch;
/// Runtime support for the code `#[rds_query]` generates.
pub(crate) mod support;

pub use config::{Config, TlsMode};
pub use conn::{Conn, Transaction};
pub use error::{Error, Operation, Result};
pub use exec::Exec;
pub use param::Param;
pub(crate) use pool::close_global;
pub use pool::{begin, configure, conn, pool, Pool};
pub use registry::{
    queries, verify_queries, Kind, Problem, ProblemKind, Query, Verified, VerifyError,
};
pub use row::{Column1, Field, FromColumn, FromRow, Row, Shape};
pub use scratch::verify_queries_with_schema;

/// Derives [`FromRow`](trait@FromRow): named fields read the column of
/// their name (`#[rds(rename = "column")]` to differ), tuple structs read
/// columns in order.
// An empty line, so that the macro's own docs begin a paragraph of their own.
#[doc = ""]
pub use lambda_kit_macros::FromRow;

/// The driver underneath, for what lambda-kit does not wrap (custom
/// `FromValue` column types, a [`Value`](mysql_async::Value) as a
/// parameter, `as_mysql()` on a connection).
pub use mysql_async;
