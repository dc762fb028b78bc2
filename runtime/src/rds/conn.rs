//! A connection taken from the pool, and transactions on it. Pass either
//! as the first parameter of an `#[rds_query]` fn to run several queries
//! on one connection or in one transaction.

use std::fmt;
use std::sync::Arc;

use mysql_async::prelude::Queryable;

use super::pool::Shared;
use super::{Error, Operation};

/// A pooled connection, returned to the pool when dropped.
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
    // records the time.
    inner: mysql_async::Conn,
    _guard: Guard,
}

impl Conn {
    pub(crate) fn new(inner: mysql_async::Conn, guard: Guard) -> Self {
        Self {
            inner,
            _guard: guard,
        }
    }

    /// The server's id for this connection (`CONNECTION_ID()`).
    pub fn id(&self) -> u32 {
        self.inner.id()
    }

    /// Starts a transaction; it rolls back unless committed.
    pub async fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        let tx = self
            .inner
            .start_transaction(mysql_async::TxOpts::default())
            .await
            .map_err(Error::operation(Operation::Begin))?;
        Ok(Transaction {
            inner: tx,
            _guard: None,
        })
    }

    /// Checks that the server still answers.
    pub async fn ping(&mut self) -> Result<(), Error> {
        self.inner
            .ping()
            .await
            .map_err(Error::operation(Operation::Ping))
    }

    /// The driver's connection, for what `#[rds_query]` does not cover.
    pub fn as_mysql(&mut self) -> &mut mysql_async::Conn {
        &mut self.inner
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.inner.id())
            .finish()
    }
}

/// A transaction: commit it, or it rolls back when dropped.
pub struct Transaction<'c> {
    inner: mysql_async::Transaction<'c>,
    /// For transactions that own their pooled connection.
    _guard: Option<Guard>,
}

impl Transaction<'static> {
    pub(crate) fn owned(inner: mysql_async::Transaction<'static>, guard: Guard) -> Self {
        Self {
            inner,
            _guard: Some(guard),
        }
    }
}

impl<'c> Transaction<'c> {
    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<(), Error> {
        self.inner
            .commit()
            .await
            .map_err(Error::operation(Operation::Commit))
    }

    /// Discards the transaction's changes (as dropping it does, though
    /// this reports errors).
    pub async fn rollback(self) -> Result<(), Error> {
        self.inner
            .rollback()
            .await
            .map_err(Error::operation(Operation::Rollback))
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
