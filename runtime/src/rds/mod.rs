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
//! `#[rds_query]` goes on a body-less `async fn` and writes its body:
//!
//! - **Parameters** are always bound, never spliced into the SQL: `:name`
//!   binds the fn parameter of that name, `?` binds parameters in order.
//!   Mixing the two, a placeholder without a parameter, a parameter no
//!   placeholder uses, or a wrong `?` count are compile errors. Parameter
//!   types implement [`Param`], which lists them.
//! - **The return type** picks the result: `Vec<R>` every row,
//!   `Option<R>` the first row or none, `R` exactly one row
//!   ([`Error::NotFound`] / [`Error::TooManyRows`] otherwise). On INSERT,
//!   UPDATE, DELETE and REPLACE, `u64` is the affected-row count, [`Exec`]
//!   adds the last insert id, `()` ignores both. A row `R` is a struct
//!   deriving [`FromRow`], a tuple, or one scalar for one-column rows.
//!   The error type is [`Error`] or anything `From<rds::Error>` (such as
//!   `lambda_kit::Error`).
//! - **Where it runs**: without a connection parameter, on the
//!   process-wide [`pool`]; with a first parameter `pool: &rds::Pool`,
//!   `conn: &mut rds::Conn` or `tx: &mut rds::Transaction<'_>`, there.
//!
//! The pool is built on first use from `DATABASE_URL` or the `RDS_*`
//! variables ([`Config::from_vars`] lists them) and kept for the life of
//! the instance: one connection by default, prepared statements cached on
//! it, a connect timeout well inside Lambda's, and a connection that died
//! while the instance was frozen replaced instead of failing the
//! invocation. [`verify_queries`] checks every query of a binary against a
//! live schema in one test.

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

/// Derives [`FromRow`](trait@FromRow): named fields read the column of
/// their name (`#[rds(rename = "column")]` to differ), tuple structs read
/// columns in order.
pub use lambda_kit_macros::FromRow;

/// The driver underneath, for what lambda-kit does not wrap (custom
/// `FromValue` column types, a [`Value`](mysql_async::Value) as a
/// parameter, `as_mysql()` on a connection).
pub use mysql_async;
