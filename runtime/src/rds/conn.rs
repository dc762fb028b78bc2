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
    _guard: Guard,
}

impl Conn {
    pub(crate) fn new(inner: mysql_async::Conn, guard: Guard) -> Self {
        Self {
            inner: Some(inner),
            in_doubt: false,
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

    /// The server's id for this connection (`CONNECTION_ID()`).
    pub fn id(&self) -> u32 {
        self.inner.as_ref().map_or(0, mysql_async::Conn::id)
    }

    /// Starts a transaction; it rolls back unless committed.
    pub async fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        let Conn {
            inner, in_doubt, ..
        } = self;
        let inner = inner
            .as_mut()
            .expect("a connection is taken only when dropped");
        let start = inner.start_transaction(mysql_async::TxOpts::default());
        let tx = within(
            || Operation::Begin.to_string(),
            InDoubt(Some(&mut *in_doubt))
                .around(start.map(|started| started.map_err(Error::operation(Operation::Begin)))),
        )
        .await?;
        Ok(Transaction {
            inner: tx,
            _guard: None,
            in_doubt: Some(in_doubt),
        })
    }

    /// Checks that the server still answers.
    pub async fn ping(&mut self) -> Result<(), Error> {
        let (inner, in_doubt) = self.tracked();
        within(
            || Operation::Ping.to_string(),
            in_doubt.around(
                inner
                    .ping()
                    .map(|pinged| pinged.map_err(Error::operation(Operation::Ping))),
            ),
        )
        .await
    }

    /// The driver's connection, for what `#[rds_query]` does not cover.
    pub fn as_mysql(&mut self) -> &mut mysql_async::Conn {
        self.driver()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if !self.in_doubt {
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
/// On a [`Conn`] (`conn.begin()`), a statement that does not finish marks
/// the connection, which is then discarded when dropped (see [`Conn`]). A
/// transaction from [`rds::begin`](super::begin) or
/// [`Pool::begin`](super::Pool::begin) holds its connection inside the
/// driver, which cleans it up when a statement was cut short mid-result:
/// where a statement may be cut short against a database that stops
/// answering, prefer `rds::conn().await?.begin()`.
pub struct Transaction<'c> {
    inner: mysql_async::Transaction<'c>,
    /// For transactions that own their pooled connection.
    _guard: Option<Guard>,
    /// The in-doubt flag of the `Conn` the transaction runs on.
    in_doubt: Option<&'c mut bool>,
}

impl Transaction<'static> {
    pub(crate) fn owned(inner: mysql_async::Transaction<'static>, guard: Guard) -> Self {
        Self {
            inner,
            _guard: Some(guard),
            in_doubt: None,
        }
    }
}

impl<'c> Transaction<'c> {
    /// The driver's transaction and the flag to mark its connection in
    /// doubt while an operation runs on it.
    pub(crate) fn tracked(&mut self) -> (&mut mysql_async::Transaction<'c>, InDoubt<'_>) {
        (&mut self.inner, InDoubt(self.in_doubt.as_deref_mut()))
    }

    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<(), Error> {
        let Transaction {
            inner, in_doubt, ..
        } = self;
        within(
            || Operation::Commit.to_string(),
            InDoubt(in_doubt).around(
                inner
                    .commit()
                    .map(|done| done.map_err(Error::operation(Operation::Commit))),
            ),
        )
        .await
    }

    /// Discards the transaction's changes (as dropping it does, though
    /// this reports errors).
    pub async fn rollback(self) -> Result<(), Error> {
        let Transaction {
            inner, in_doubt, ..
        } = self;
        within(
            || Operation::Rollback.to_string(),
            InDoubt(in_doubt).around(
                inner
                    .rollback()
                    .map(|done| done.map_err(Error::operation(Operation::Rollback))),
            ),
        )
        .await
    }

    /// The server's id for the transaction's connection.
    pub fn id(&self) -> u32 {
        self.inner.id()
    }

    /// The driver's transaction, for what `#[rds_query]` does not cover.
    pub fn as_mysql(&mut self) -> &mut mysql_async::Transaction<'c> {
        &mut self.inner
    }
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("conn", &self.inner.id())
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
