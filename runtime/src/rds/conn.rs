//! A connection taken from the pool, and transactions on it. Pass either
//! as the first parameter of an `#[rds_query]` fn to run several queries
//! on one connection or in one transaction.

use std::fmt;
use std::sync::Arc;

use futures_util::FutureExt;
use mysql_async::prelude::Queryable;

use super::budget::{within, InDoubt};
use super::pool::Shared;
use super::{Error, Operation};

/// A pooled connection, returned to the pool when dropped.
///
/// A connection whose operation did not finish (it timed out, or the
/// handler was cancelled at its deadline while awaiting it) is discarded
/// when dropped instead of going back to the pool: its state is unknown.
/// Work done through [`Conn::as_mysql`] is not tracked this way.
///
/// ```no_run
/// # use lambda_kit::{rds, rds_query};
/// #[rds_query("UPDATE account SET balance = balance - :amount WHERE id = :id")]
/// async fn debit(tx: &mut rds::Transaction<'_>, id: i64, amount: i64) -> Result<u64, rds::Error>;
///
/// # async fn run() -> Result<(), rds::Error> {
/// let mut conn = rds::conn().await?;
/// let mut tx = conn.begin().await?;
/// debit(&mut tx, 1, 10).await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
pub struct Conn {
    // Declared before the guard so it is back in the pool when the guard
    // records the time. `None` only once dropped.
    inner: Option<mysql_async::Conn>,
    /// An operation on it started and has not finished.
    in_doubt: bool,
    /// A transaction on it was dropped without commit or rollback: it is
    /// rolled back before the next operation, or when the connection goes
    /// back to the pool.
    rollback_pending: bool,
    _guard: Guard,
}

impl Conn {
    pub(crate) fn new(inner: mysql_async::Conn, guard: Guard) -> Self {
        Self {
            inner: Some(inner),
            in_doubt: false,
            rollback_pending: false,
            _guard: guard,
        }
    }

    fn driver(&mut self) -> &mut mysql_async::Conn {
        self.inner
            .as_mut()
            .expect("a connection is taken only when dropped")
    }

    /// The driver's connection and the flag to mark it in doubt while an
    /// operation runs on it.
    pub(crate) fn tracked(&mut self) -> (&mut mysql_async::Conn, InDoubt<'_>) {
        let inner = self
            .inner
            .as_mut()
            .expect("a connection is taken only when dropped");
        (inner, InDoubt(Some(&mut self.in_doubt)))
    }

    /// Runs `sql` (a transaction statement), marked in doubt until done.
    async fn statement(&mut self, sql: &'static str, operation: Operation) -> Result<(), Error> {
        let (inner, in_doubt) = self.tracked();
        in_doubt
            .around(inner.query_drop(sql))
            .await
            .map_err(Error::operation(operation))
    }

    /// Rolls back a transaction dropped on this connection without commit
    /// or rollback, so the next operation runs outside it.
    pub(crate) async fn settle(&mut self) -> Result<(), Error> {
        if !self.rollback_pending {
            return Ok(());
        }
        self.statement("ROLLBACK", Operation::Rollback).await?;
        self.rollback_pending = false;
        Ok(())
    }

    /// The server's id for this connection (`CONNECTION_ID()`).
    pub fn id(&self) -> u32 {
        self.inner.as_ref().map_or(0, mysql_async::Conn::id)
    }

    /// Starts a transaction; it rolls back unless committed.
    pub async fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        within(|| Operation::Begin.to_string(), self.start()).await?;
        Ok(Transaction {
            conn: Held::Borrowed(self),
            open: true,
        })
    }

    /// `START TRANSACTION`, after rolling back one left open.
    pub(crate) async fn start(&mut self) -> Result<(), Error> {
        self.settle().await?;
        self.statement("START TRANSACTION", Operation::Begin).await
    }

    /// Checks that the server still answers.
    pub async fn ping(&mut self) -> Result<(), Error> {
        within(|| Operation::Ping.to_string(), async {
            self.settle().await?;
            let (inner, in_doubt) = self.tracked();
            in_doubt
                .around(inner.ping())
                .await
                .map_err(Error::operation(Operation::Ping))
        })
        .await
    }

    /// The driver's connection, for what `#[rds_query]` does not cover.
    ///
    /// After a transaction on this connection was dropped without commit
    /// or rollback, its rollback waits for the next operation through
    /// lambda-kit: call [`Conn::ping`] first to have it done.
    pub fn as_mysql(&mut self) -> &mut mysql_async::Conn {
        self.driver()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(conn) = self.inner.as_mut() else {
            return;
        };
        if !self.in_doubt {
            if self.rollback_pending {
                // The pool resets the connection before reuse, which rolls
                // the transaction back.
                conn.reset_connection(true);
            }
            return;
        }
        let Some(conn) = self.inner.take() else {
            return;
        };
        tracing::warn!(
            connection = conn.id(),
            "discarding a database connection whose operation did not finish"
        );
        // `disconnect` marks the connection disconnected before its first
        // await, so when the unfinished future is dropped the pool discards
        // the connection (freeing its slot and closing the socket) instead
        // of cleaning it up, which against a silent server never ends.
        drop(conn.disconnect().now_or_never());
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn").field("id", &self.id()).finish()
    }
}

/// A transaction: commit it, or it rolls back when dropped.
///
/// Whether from [`Conn::begin`], [`rds::begin`](super::begin) or
/// [`Pool::begin`](super::Pool::begin), it runs on a [`Conn`]: a statement
/// that does not finish marks the connection, which is then discarded
/// instead of going back to the pool (see [`Conn`]).
///
/// Dropped without commit or rollback, it is rolled back before the next
/// operation on its connection or, if the connection goes back to the pool
/// first, by the pool resetting the connection (which also drops that
/// connection's prepared statements).
pub struct Transaction<'c> {
    conn: Held<'c>,
    /// Neither committed nor rolled back yet.
    open: bool,
}

/// The connection a transaction runs on: the caller's, or its own.
enum Held<'c> {
    Borrowed(&'c mut Conn),
    Owned(Conn),
}

impl Transaction<'static> {
    /// A transaction that owns its pooled connection, already started.
    pub(crate) fn owned(conn: Conn) -> Self {
        Self {
            conn: Held::Owned(conn),
            open: true,
        }
    }
}

impl<'c> Transaction<'c> {
    fn conn(&mut self) -> &mut Conn {
        match &mut self.conn {
            Held::Borrowed(conn) => conn,
            Held::Owned(conn) => conn,
        }
    }

    /// The driver's connection and the flag to mark it in doubt while an
    /// operation runs on it.
    pub(crate) fn tracked(&mut self) -> (&mut mysql_async::Conn, InDoubt<'_>) {
        self.conn().tracked()
    }

    /// Ends the transaction with `sql`.
    async fn end(mut self, sql: &'static str, operation: Operation) -> Result<(), Error> {
        within(
            || operation.to_string(),
            self.conn().statement(sql, operation),
        )
        .await?;
        self.open = false;
        Ok(())
    }

    /// Makes the transaction's changes permanent. If that fails, the
    /// transaction is rolled back.
    pub async fn commit(self) -> Result<(), Error> {
        self.end("COMMIT", Operation::Commit).await
    }

    /// Discards the transaction's changes (as dropping it does, though
    /// this reports errors).
    pub async fn rollback(self) -> Result<(), Error> {
        self.end("ROLLBACK", Operation::Rollback).await
    }

    /// The server's id for the transaction's connection.
    pub fn id(&self) -> u32 {
        match &self.conn {
            Held::Borrowed(conn) => conn.id(),
            Held::Owned(conn) => conn.id(),
        }
    }

    /// The driver's connection the transaction runs on, for what
    /// `#[rds_query]` does not cover. It is a plain connection (the
    /// transaction was started with `START TRANSACTION`), so do not
    /// start, commit or roll back transactions through it: use
    /// [`Transaction::commit`] and [`Transaction::rollback`].
    pub fn as_mysql(&mut self) -> &mut mysql_async::Conn {
        self.conn().driver()
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // Rolled back by the connection: before its next operation, or
            // when it goes back to the pool.
            self.conn().rollback_pending = true;
        }
    }
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("conn", &self.id())
            .finish()
    }
}

/// Marks a connection as in use until dropped, then records when it went
/// back (so the next user knows how long it sat idle).
pub(crate) struct Guard {
    shared: Arc<Shared>,
    id: u32,
}

impl Guard {
    pub(crate) fn new(shared: Arc<Shared>, id: u32) -> Self {
        shared.acquired();
        Self { shared, id }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.released(self.id);
    }
}
