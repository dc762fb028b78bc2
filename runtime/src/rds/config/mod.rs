//! Where the pool connects and how it behaves: read from `DATABASE_URL`
//! (`url.rs`) or the `RDS_*` variables (`env.rs`, the names Elastic
//! Beanstalk and many RDS guides use), or built in code (here). The password
//! lives in a [`Secret`], so it never reaches `Debug`, logs or error
//! messages. TLS settings and their driver options are in `tls.rs`.

mod env;
mod tls;
mod url;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Error;

pub use tls::TlsMode;

/// The port MySQL and MariaDB listen on unless told otherwise.
const DEFAULT_PORT: u16 = 3306;

/// Idle connections kept unless told otherwise (never above `pool_max`).
/// Lambda runs one invocation at a time per instance: one connection, kept
/// between invocations, is all it needs.
const DEFAULT_POOL_MIN: usize = 1;

/// How to reach the database and how to pool connections to it.
///
/// ```
/// use std::time::Duration;
/// use lambda_kit::rds::{Config, TlsMode};
///
/// let config = Config::from_url("mysql://app:secret@db.example.com:3306/web")?
///     .with_connect_timeout(Duration::from_secs(1))
///     .with_tls(TlsMode::VerifyIdentity)
///     .with_tls_ca("/opt/rds/global-bundle.pem");
/// assert_eq!(config.address(), "db.example.com:3306");
/// assert_eq!(config.connect_timeout(), Duration::from_secs(1));
/// assert!(!format!("{config:?}").contains("secret"));
/// # Ok::<(), lambda_kit::rds::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<Secret>,
    database: Option<String>,
    /// As set; `None` is [`DEFAULT_POOL_MIN`] capped by `pool_max`.
    pool_min: Option<usize>,
    /// As set; `None` follows the invocations one environment runs at once.
    pool_max: Option<usize>,
    connect_timeout: Duration,
    ping_after_idle: Option<Duration>,
    statement_cache: usize,
    tls: TlsMode,
    tls_ca: Option<PathBuf>,
}

/// A credential: usable by the pool, printed by nobody.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Config {
    /// A configuration for `host` with every default: port 3306, no user,
    /// no database, one pooled connection, a 2 s connect timeout. The
    /// `with_*` methods change a setting; the methods named like the
    /// settings read them.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: DEFAULT_PORT,
            user: None,
            password: None,
            database: None,
            pool_min: None,
            pool_max: None,
            // Below Lambda's default 3 s timeout, so a database that cannot be
            // reached is reported as such rather than as a function timeout.
            connect_timeout: Duration::from_secs(2),
            // A connection idle this long may have died while the instance
            // was frozen: ping it before a write, which cannot be retried.
            ping_after_idle: Some(Duration::from_secs(1)),
            statement_cache: 32,
            tls: TlsMode::Disabled,
            tls_ca: None,
        }
    }

    /// The server's host name or IP address.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The server's port (default 3306).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The user to log in as.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The user's password, e.g. read from Secrets Manager during `init`.
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Secret(password.into()));
        self
    }

    /// The default database of every connection.
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Connections without a default database: every table is then
    /// written as `database.table`.
    pub fn without_database(mut self) -> Self {
        self.database = None;
        self
    }

    /// At most this many connections at once. The default is as many as
    /// invocations the execution environment runs at once: 1 on classic
    /// Lambda, which sends one invocation at a time, and
    /// `AWS_LAMBDA_MAX_CONCURRENCY` on Lambda Managed Instances, so that
    /// each invocation in flight can hold a connection. Raise it when one
    /// invocation runs queries concurrently or holds a [`Conn`](super::Conn)
    /// while running pool queries; lower it to spare the database's
    /// `max_connections` (invocations then wait for a free connection, up
    /// to the connect timeout).
    pub fn with_pool_max(mut self, max: usize) -> Self {
        self.pool_max = Some(max);
        self
    }

    /// Idle connections kept open between invocations (default 1, or
    /// `pool_max` if that is lower); extra ones close after a minute without
    /// use. A minimum above [`Config::pool_max`] is an error when the pool is
    /// created, whichever was set first.
    pub fn with_pool_min(mut self, min: usize) -> Self {
        self.pool_min = Some(min);
        self
    }

    /// How long getting a connection may take, waiting for the server or a
    /// free pooled connection, before the query fails (default 2 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Ping a pooled connection that has been idle at least this long
    /// before a statement that is not a read (default 1 s; `None` never).
    /// Reads on a connection that turns out dead are retried instead;
    /// writes cannot be, since they might have run.
    pub fn with_ping_after_idle(mut self, idle: Option<Duration>) -> Self {
        self.ping_after_idle = idle;
        self
    }

    /// Prepared statements kept per connection (default 32).
    pub fn with_statement_cache(mut self, size: usize) -> Self {
        self.statement_cache = size;
        self
    }

    /// Whether to encrypt and what to verify; needs the `rds-tls` feature
    /// for anything but [`TlsMode::Disabled`].
    pub fn with_tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }

    /// The CA bundle (PEM) the server certificate must chain to, e.g. the
    /// RDS `global-bundle.pem`; only this CA is trusted then.
    pub fn with_tls_ca(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca = Some(path.into());
        self
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The server's host name or IP address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user, if one is set.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The default database, if one is set.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The most connections at once; see [`Config::with_pool_max`].
    pub fn pool_max(&self) -> usize {
        self.pool_max.unwrap_or_else(|| {
            let setting = std::env::var(crate::MAX_CONCURRENCY_ENV).ok();
            crate::concurrency::per_environment(setting.as_deref()) as usize
        })
    }

    /// The idle connections kept: as set, else 1 capped by
    /// [`Config::pool_max`]; see [`Config::with_pool_min`].
    pub fn pool_min(&self) -> usize {
        self.pool_min
            .unwrap_or_else(|| DEFAULT_POOL_MIN.min(self.pool_max()))
    }

    /// See [`Config::with_connect_timeout`].
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// See [`Config::with_ping_after_idle`].
    pub fn ping_after_idle(&self) -> Option<Duration> {
        self.ping_after_idle
    }

    /// See [`Config::with_statement_cache`].
    pub fn statement_cache(&self) -> usize {
        self.statement_cache
    }

    /// See [`Config::with_tls`].
    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    /// See [`Config::with_tls_ca`].
    pub fn tls_ca(&self) -> Option<&Path> {
        self.tls_ca.as_deref()
    }

    /// Rejects settings the pool cannot work with.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.pool_max() == 0 {
            return Err(Error::Config(
                "the pool needs at least one connection (RDS_POOL_MAX >= 1)".to_owned(),
            ));
        }
        if self.pool_min() > self.pool_max() {
            return Err(Error::Config(format!(
                "RDS_POOL_MIN ({}) is above RDS_POOL_MAX ({})",
                self.pool_min(),
                self.pool_max()
            )));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::Config(
                "the connect timeout must be above zero".to_owned(),
            ));
        }
        if self.tls == TlsMode::Disabled && self.tls_ca.is_some() {
            return Err(Error::Config(
                "a CA bundle (ssl-ca / RDS_SSL_CA) is set but TLS is disabled: \
                 set ssl-mode (RDS_SSL_MODE) to VERIFY_IDENTITY"
                    .to_owned(),
            ));
        }
        if self.tls != TlsMode::Disabled && !cfg!(feature = "rds-tls") {
            return Err(Error::Config(format!(
                "ssl-mode {:?} needs TLS support: enable lambda-kit's `rds-tls` feature",
                self.tls
            )));
        }
        Ok(())
    }

    /// The driver's options; the only place the password is read.
    pub(crate) fn to_opts(&self) -> Result<mysql_async::Opts, Error> {
        self.check()?;
        let constraints = mysql_async::PoolConstraints::new(self.pool_min(), self.pool_max())
            .ok_or_else(|| Error::Config("invalid pool size".to_owned()))?;
        let pool = mysql_async::PoolOpts::default()
            .with_constraints(constraints)
            // Resetting a returned connection would also drop its prepared
            // statements, which are what makes warm invocations fast.
            .with_reset_connection(false)
            // Connections above `pool_min` close after a minute idle; with
            // a zero TTL the driver would keep only `pool_min`.
            .with_inactive_connection_ttl(Duration::from_secs(60));
        let builder = mysql_async::OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(self.user.clone())
            .pass(
                self.password
                    .as_ref()
                    .map(|secret| secret.expose().to_owned()),
            )
            .db_name(self.database.clone())
            .stmt_cache_size(self.statement_cache)
            .tcp_nodelay(true)
            // The driver would otherwise ask a loopback server for its Unix
            // socket and reconnect there: two extra round trips per new
            // connection, and not the path the configuration names.
            .prefer_socket(false)
            .pool_opts(pool);
        Ok(self.tls_opts(builder).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_bounds_do_not_depend_on_setter_order() {
        let both = [
            Config::new("h").with_pool_min(2).with_pool_max(4),
            Config::new("h").with_pool_max(4).with_pool_min(2),
        ];
        for config in both {
            assert_eq!((config.pool_min(), config.pool_max()), (2, 4));
            config.check().unwrap();
        }
        let contradictory = [
            Config::new("h").with_pool_min(5).with_pool_max(3),
            Config::new("h").with_pool_max(3).with_pool_min(5),
        ];
        for config in contradictory {
            let err = config.check().unwrap_err();
            assert!(
                err.to_string()
                    .contains("RDS_POOL_MIN (5) is above RDS_POOL_MAX (3)"),
                "{err}"
            );
        }
        // The default minimum follows the maximum.
        let config = Config::new("h").with_pool_max(3);
        assert_eq!(config.pool_min(), 1);
        config.to_opts().unwrap();
    }

    #[test]
    fn getters_read_what_was_set() {
        let config = Config::new("h")
            .with_port(3310)
            .with_user("app")
            .with_database("web")
            .with_statement_cache(8)
            .with_ping_after_idle(None);
        assert_eq!(config.host(), "h");
        assert_eq!(config.port(), 3310);
        assert_eq!(config.user(), Some("app"));
        assert_eq!(config.database(), Some("web"));
        assert_eq!(config.statement_cache(), 8);
        assert_eq!(config.ping_after_idle(), None);
        assert_eq!(config.without_database().database(), None);
    }
}
