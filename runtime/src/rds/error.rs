//! `rds::Error`: every way a query can fail, each message naming the query
//! (the `#[rds_query]` fn) and what to change. Messages never contain
//! parameter or column values, nor credentials.

use std::time::Duration;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a query, or getting a connection for it, failed.
///
/// Reported to Lambda with `errorType: "rds::Error"` when a handler
/// returns it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is missing or invalid.
    #[error("database configuration: {0}")]
    Config(String),

    /// Connecting failed: refused, unknown host, bad credentials, TLS.
    #[error("cannot connect to the database at {address}: {}", plain(source))]
    Connect {
        /// `host:port`.
        address: String,
        /// The driver's error.
        source: mysql_async::Error,
    },

    /// No connection within the connect timeout.
    #[error(
        "no connection to the database at {address} within the {timeout:?} connect timeout: \
         check that the function can reach it (VPC subnets, security group) \
         or raise RDS_CONNECT_TIMEOUT_MS"
    )]
    ConnectTimeout {
        /// `host:port`.
        address: String,
        /// The configured connect timeout.
        timeout: Duration,
    },

    /// Every pooled connection stayed in use for the whole connect timeout.
    #[error(
        "all {max} pooled connection(s) stayed in use for {timeout:?}: a `Conn` or transaction \
         held while a pool query runs waits for itself; pass it to the query (`conn: &mut rds::Conn`) \
         or raise RDS_POOL_MAX"
    )]
    PoolExhausted {
        /// The pool's size.
        max: usize,
        /// How long the query waited.
        timeout: Duration,
    },

    /// The invocation's time ran out while waiting for the database (a
    /// connection, a query, a transaction statement): the operation was
    /// abandoned one deadline margin before the bootstrap would cancel
    /// the handler, and its connection discarded.
    #[error(
        "{what}: no answer from the database within the {} ms the invocation had left, so it was \
         abandoned and its connection will not be reused: check that the database is reachable \
         and not overloaded, or raise the function's timeout",
        .after.as_millis()
    )]
    Timeout {
        /// The query's fn name, or the operation (`START TRANSACTION`,
        /// `COMMIT`, getting a connection).
        what: String,
        /// How long the operation was given.
        after: Duration,
    },

    /// The server rejected the statement.
    #[error("{query}: {message} (server error {code}, SQLSTATE {state})")]
    Sql {
        /// The query's fn name.
        query: &'static str,
        /// The server's error number, e.g. 1062 for a duplicate key.
        code: u16,
        /// The SQLSTATE, e.g. `23000`.
        state: String,
        /// The server's message.
        message: String,
    },

    /// The connection failed during the query.
    #[error("{query}: the database connection failed: {}", plain(source))]
    Connection {
        /// The query's fn name.
        query: &'static str,
        /// The driver's error.
        source: mysql_async::Error,
    },

    /// A connection or transaction operation that is not a query (starting,
    /// committing or rolling back a transaction, a ping) failed.
    #[error("{operation} failed: {}", plain(source))]
    Operation {
        /// What was being done.
        operation: Operation,
        /// The driver's error (a server error or a lost connection).
        source: mysql_async::Error,
    },

    /// A query returning one row (`-> Result<T, _>`) found none.
    #[error(
        "{query}: no row found, but the query returns exactly one; \
         return `Option<_>` if no row is a valid answer"
    )]
    NotFound {
        /// The query's fn name.
        query: &'static str,
    },

    /// A query returning one row (`-> Result<T, _>`) found several.
    #[error(
        "{query}: more than one row found, but the query returns exactly one; \
         filter on a unique key, add `LIMIT 1`, or return `Vec<_>`"
    )]
    TooManyRows {
        /// The query's fn name.
        query: &'static str,
    },

    /// A NULL column read into a type without NULL.
    #[error("{query}: column `{column}` is NULL, which `{rust_type}` cannot hold: read it as `Option<{rust_type}>`")]
    Null {
        /// The query's fn name.
        query: &'static str,
        /// The column's name in the result.
        column: String,
        /// The Rust type it was read into.
        rust_type: String,
    },

    /// A column value that does not convert to the Rust type.
    #[error(
        "{query}: column `{column}` ({sql_type}) does not convert to `{rust_type}`: \
         read it as a Rust type that holds every value of the column"
    )]
    Type {
        /// The query's fn name.
        query: &'static str,
        /// The column's name in the result.
        column: String,
        /// The column's SQL type, e.g. `VARCHAR` or `BIGINT UNSIGNED`.
        sql_type: String,
        /// The Rust type it was read into.
        rust_type: String,
    },

    /// A struct field with no column of that name in the result.
    #[error(
        "{query}: the result has no column `{column}` (it has {available}): \
         select it, alias it with `AS {column}`, or rename the field with #[rds(rename = \"...\")]"
    )]
    NoColumn {
        /// The query's fn name.
        query: &'static str,
        /// The column the field reads.
        column: String,
        /// The columns the result has.
        available: String,
    },

    /// A tuple or scalar reading a different number of columns.
    #[error("{query}: rows have {found} column(s) but `{rust_type}` reads {expected}")]
    ColumnCount {
        /// The query's fn name.
        query: &'static str,
        /// How many the Rust type reads.
        expected: usize,
        /// How many the result has.
        found: usize,
        /// The row type.
        rust_type: String,
    },
}

/// An operation on a connection or transaction that is not a named query,
/// for [`Error::Operation`]; displayed as the statement it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `START TRANSACTION` (`Conn::begin`, `Pool::begin`).
    Begin,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
    /// A ping (`Conn::ping`).
    Ping,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Begin => "START TRANSACTION",
            Operation::Commit => "COMMIT",
            Operation::Rollback => "ROLLBACK",
            Operation::Ping => "PING",
        })
    }
}

impl Error {
    /// The error for a driver failure of `operation`.
    pub(crate) fn operation(operation: Operation) -> impl FnOnce(mysql_async::Error) -> Self {
        move |source| Self::Operation { operation, source }
    }

    /// Whether the database could not be reached or the connection was
    /// lost, as opposed to the server rejecting something (HTTP's 503).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn is_unavailable(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::ConnectTimeout { .. }
            | Self::PoolExhausted { .. }
            | Self::Timeout { .. }
            | Self::Connection { .. } => true,
            Self::Operation { source, .. } => !matches!(source, mysql_async::Error::Server(_)),
            _ => false,
        }
    }

    /// The error for a driver failure while running `query`.
    pub(crate) fn driver(query: &'static str, error: mysql_async::Error) -> Self {
        match error {
            mysql_async::Error::Server(server) => Self::Sql {
                query,
                code: server.code,
                state: server.state,
                message: server.message,
            },
            other => Self::Connection {
                query,
                source: other,
            },
        }
    }

    /// The server's error number, when the server rejected the statement.
    pub fn server_code(&self) -> Option<u16> {
        match self {
            Self::Sql { code, .. } => Some(*code),
            Self::Operation {
                source: mysql_async::Error::Server(server),
                ..
            } => Some(server.code),
            _ => None,
        }
    }
}

/// A driver error as a sentence: the I/O error itself rather than the
/// driver's doubled "Input/output error: Input/output error: ...", a
/// server error as its message and number.
pub(crate) fn plain(error: &mysql_async::Error) -> String {
    match error {
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => io.to_string(),
        mysql_async::Error::Server(server) => {
            format!("{} (server error {})", server.message, server.code)
        }
        mysql_async::Error::Driver(driver) => driver.to_string(),
        other => other.to_string(),
    }
}

/// `column`, `other` as a readable list for messages.
pub(crate) fn list<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let names: Vec<String> = names
        .into_iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect();
    if names.is_empty() {
        "no columns".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_code_and_message() {
        let error = Error::driver(
            "insert_user",
            mysql_async::Error::Server(mysql_async::ServerError {
                code: 1062,
                message: "Duplicate entry 'x' for key 'PRIMARY'".to_owned(),
                state: "23000".to_owned(),
            }),
        );
        assert_eq!(error.server_code(), Some(1062));
        assert_eq!(
            error.to_string(),
            "insert_user: Duplicate entry 'x' for key 'PRIMARY' (server error 1062, SQLSTATE 23000)"
        );
    }

    #[test]
    fn the_lambda_error_type_is_readable() {
        let doc = crate::error::diagnostic(&Error::NotFound { query: "find" });
        assert_eq!(doc.error_type, "rds::Error");
        assert!(
            doc.error_message.starts_with("find: no row found"),
            "{}",
            doc.error_message
        );
    }

    #[test]
    fn driver_errors_read_as_sentences() {
        let refused = Error::Connect {
            address: "db:3306".to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into(),
        };
        assert_eq!(
            refused.to_string(),
            "cannot connect to the database at db:3306: connection refused"
        );
        let unknown = Error::Connect {
            address: "db:3306".to_owned(),
            source: mysql_async::Error::Server(mysql_async::ServerError {
                code: 1049,
                message: "Unknown database 'web'".to_owned(),
                state: "42000".to_owned(),
            }),
        };
        assert_eq!(
            unknown.to_string(),
            "cannot connect to the database at db:3306: Unknown database 'web' (server error 1049)"
        );
        let closed = Error::Connection {
            query: "find",
            source: mysql_async::DriverError::ConnectionClosed.into(),
        };
        assert_eq!(
            closed.to_string(),
            "find: the database connection failed: Connection to the server is closed."
        );
    }

    #[test]
    fn operations_are_not_filed_under_a_query_name() {
        let lost =
            Error::operation(Operation::Commit)(mysql_async::DriverError::ConnectionClosed.into());
        assert_eq!(
            lost.to_string(),
            "COMMIT failed: Connection to the server is closed."
        );
        assert!(lost.is_unavailable());
        let rejected = Error::operation(Operation::Begin)(mysql_async::Error::Server(
            mysql_async::ServerError {
                code: 1792,
                message: "Cannot execute statement in a READ ONLY transaction.".to_owned(),
                state: "25006".to_owned(),
            },
        ));
        assert_eq!(rejected.server_code(), Some(1792));
        assert!(!rejected.is_unavailable());
        assert_eq!(
            rejected.to_string(),
            "START TRANSACTION failed: Cannot execute statement in a READ ONLY transaction. (server error 1792)"
        );
    }

    #[test]
    fn timeouts_say_what_waited_and_how_long() {
        let timeout = Error::Timeout {
            what: "find".to_owned(),
            after: Duration::from_micros(2_799_600),
        };
        assert!(timeout.is_unavailable());
        assert_eq!(
            timeout.to_string(),
            "find: no answer from the database within the 2799 ms the invocation had left, so it \
             was abandoned and its connection will not be reused: check that the database is \
             reachable and not overloaded, or raise the function's timeout"
        );
    }

    #[test]
    fn lists_read_well() {
        assert_eq!(list(["id", "name"]), "`id`, `name`");
        assert_eq!(list(Vec::<String>::new()), "no columns");
    }
}
