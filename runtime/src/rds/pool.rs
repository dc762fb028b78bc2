//! The pool: one per warm Lambda instance, created on first use, its
//! connections (and their prepared statements) reused by every invocation.
//!
//! Around the driver's pool it adds what Lambda needs: a connect timeout
//! that turns an unreachable database into a clear error, a distinction
//! between "cannot connect" and "every connection is in use", and a ping
//! before writes on a connection that sat idle, e.g. while the instance was
//! frozen.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;

use super::budget::within;
use super::conn::{Conn, Guard, Transaction};
use super::retry::connection_lost;
use super::{Config, Error, Operation};

/// A pool of connections to one database.
///
/// Most code uses the process-wide pool through `#[rds_query]` fns without
/// a connection parameter; build a `Pool` for a second database or in
/// tests, and pass it as the first parameter (`pool: &rds::Pool`).
pub struct Pool {
    inner: mysql_async::Pool,
    shared: Arc<Shared>,
}

/// What connections and the pool share: settings and bookkeeping.
pub(crate) struct Shared {
    address: String,
    max: usize,
    connect_timeout: Duration,
    ping_after_idle: Option<Duration>,
    in_use: AtomicUsize,
    /// When each connection (by server thread id) was last handed back.
    last_used: Mutex<HashMap<u32, Instant>>,
}

impl Shared {
    pub(crate) fn acquired(&self) {
        self.in_use.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn released(&self, id: u32) {
        self.in_use.fetch_sub(1, Ordering::Relaxed);
        let mut last_used = self
            .last_used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Ids of closed connections are never reused soon; forget them
        // rather than let the map grow across reconnects.
        if last_used.len() >= 4 * self.max + 8 {
            last_used.clear();
        }
        last_used.insert(id, Instant::now());
    }

    fn idle_for(&self, id: u32) -> Option<Duration> {
        let last_used = self
            .last_used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        last_used.get(&id).map(Instant::elapsed)
    }
}

impl Pool {
    /// A pool for `config`. Nothing connects until the first query.
    pub fn new(config: Config) -> Result<Self, Error> {
        let opts = config.to_opts()?;
        Ok(Self {
            inner: mysql_async::Pool::new(opts),
            shared: Arc::new(Shared {
                address: config.address(),
                max: config.pool_max(),
                connect_timeout: config.connect_timeout(),
                ping_after_idle: config.ping_after_idle(),
                in_use: AtomicUsize::new(0),
                last_used: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// `host:port` of the database.
    pub fn address(&self) -> &str {
        &self.shared.address
    }

    /// A connection for several queries in a row, or a transaction
    /// ([`Conn::begin`]). It goes back to the pool when dropped. A
    /// connection idle longer than the configured `ping_after_idle` is
    /// pinged first, and replaced if dead.
    pub async fn conn(&self) -> Result<Conn, Error> {
        within(|| self.getting(), self.acquire(true)).await
    }

    /// Starts a transaction on a pooled connection; it rolls back unless
    /// committed.
    pub async fn begin(&self) -> Result<Transaction<'static>, Error> {
        within(|| Operation::Begin.to_string(), self.start()).await
    }

    /// What a timeout while getting a connection is reported as.
    pub(crate) fn getting(&self) -> String {
        format!("getting a connection to {}", self.shared.address)
    }

    async fn start(&self) -> Result<Transaction<'static>, Error> {
        let mut retried = false;
        loop {
            // Our own connection, so a statement of the transaction that
            // does not finish gets it discarded rather than cleaned up.
            let mut conn = self.acquire(true).await?;
            let (driver, in_doubt) = conn.tracked();
            match in_doubt
                .around(driver.query_drop("START TRANSACTION"))
                .await
            {
                Ok(()) => return Ok(Transaction::owned(conn)),
                // Nothing ran yet, so a connection that died idle is simply
                // replaced.
                Err(err) if !retried && connection_lost(&err) => {
                    tracing::warn!(error = %err, "a pooled connection was dead; starting the transaction on a new one");
                    retried = true;
                }
                Err(err) => return Err(Error::operation(Operation::Begin)(err)),
            }
        }
    }

    /// Closes every connection; queries on this pool fail afterwards.
    pub async fn disconnect(self) -> Result<(), Error> {
        self.inner
            .disconnect()
            .await
            .map_err(|source| Error::Connect {
                address: self.shared.address.clone(),
                source,
            })
    }

    /// A connection, pinged first when `ping_if_idle` and it has been idle
    /// past the configured threshold.
    pub(crate) async fn acquire(&self, ping_if_idle: bool) -> Result<Conn, Error> {
        let mut conn = self.get().await?;
        let Some(threshold) = self.shared.ping_after_idle.filter(|_| ping_if_idle) else {
            return Ok(conn);
        };
        if self
            .shared
            .idle_for(conn.id())
            .is_none_or(|idle| idle < threshold)
        {
            return Ok(conn);
        }
        let (driver, in_doubt) = conn.tracked();
        match in_doubt.around(driver.ping()).await {
            Ok(()) => Ok(conn),
            Err(err) => {
                tracing::warn!(error = %err, "a pooled connection idle since before the last freeze was dead; using a new one");
                // The driver discards a connection whose socket failed.
                drop(conn);
                self.get().await
            }
        }
    }

    /// A connection from the driver's pool, within the connect timeout.
    async fn get(&self) -> Result<Conn, Error> {
        match self.timed(self.inner.get_conn()).await? {
            Ok(conn) => {
                let id = conn.id();
                Ok(Conn::new(conn, Guard::new(self.shared.clone(), id)))
            }
            Err(source) => Err(Error::Connect {
                address: self.shared.address.clone(),
                source,
            }),
        }
    }

    /// `future` within the connect timeout; on timeout, says whether the
    /// server or the pool was the one not answering.
    async fn timed<T>(&self, future: impl std::future::Future<Output = T>) -> Result<T, Error> {
        let timeout = self.shared.connect_timeout;
        tokio::time::timeout(timeout, future).await.map_err(|_| {
            if self.shared.in_use.load(Ordering::Relaxed) >= self.shared.max {
                Error::PoolExhausted {
                    max: self.shared.max,
                    timeout,
                }
            } else {
                Error::ConnectTimeout {
                    address: self.shared.address.clone(),
                    timeout,
                }
            }
        })
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("address", &self.shared.address)
            .field("max", &self.shared.max)
            .field("in_use", &self.shared.in_use.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Pool> = OnceLock::new();

/// The process-wide pool that `#[rds_query]` fns without a connection
/// parameter use. The first call builds it from the environment
/// ([`Config::from_env`]) unless [`configure`] ran before; it connects
/// only when a query needs a connection.
pub fn pool() -> Result<&'static Pool, Error> {
    if let Some(pool) = GLOBAL.get() {
        return Ok(pool);
    }
    let pool = Pool::new(Config::from_env()?)?;
    Ok(GLOBAL.get_or_init(|| pool))
}

/// Sets up the process-wide pool from `config` instead of the environment,
/// e.g. with a password read from Secrets Manager in `init`. Fails if the
/// pool exists already.
pub fn configure(config: Config) -> Result<&'static Pool, Error> {
    let pool = Pool::new(config)?;
    let mut installed = false;
    let global = GLOBAL.get_or_init(|| {
        installed = true;
        pool
    });
    if installed {
        Ok(global)
    } else {
        Err(Error::Config(
            "the process-wide pool is already set up: call rds::configure once, in `init`, before any query"
                .to_owned(),
        ))
    }
}

/// Closes the process-wide pool's connections (`None` if it was never
/// built), as a bootstrap does when it shuts down.
pub(crate) async fn close_global() -> Option<Result<(), Error>> {
    let pool = GLOBAL.get()?;
    let closed = pool.inner.clone().disconnect().await;
    Some(closed.map_err(|source| Error::Connect {
        address: pool.shared.address.clone(),
        source,
    }))
}

/// A connection from the process-wide pool; see [`Pool::conn`].
pub async fn conn() -> Result<Conn, Error> {
    pool()?.conn().await
}

/// A transaction on the process-wide pool; see [`Pool::begin`].
pub async fn begin() -> Result<Transaction<'static>, Error> {
    pool()?.begin().await
}
