//! Where the pool connects and how it behaves: read from `DATABASE_URL` or
//! the `RDS_*` variables (the names Elastic Beanstalk and many RDS guides
//! use), or built in code. The password lives in a [`Secret`], so it never
//! reaches `Debug`, logs or error messages.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::Error;

/// The port MySQL and MariaDB listen on unless told otherwise.
const DEFAULT_PORT: u16 = 3306;

/// How to reach the database and how to pool connections to it.
///
/// ```
/// use std::time::Duration;
/// use lambda_kit::rds::{Config, TlsMode};
///
/// let config = Config::from_url("mysql://app:secret@db.example.com:3306/web")?
///     .connect_timeout(Duration::from_secs(1))
///     .tls(TlsMode::VerifyIdentity)
///     .tls_ca("/opt/rds/global-bundle.pem");
/// assert_eq!(config.address(), "db.example.com:3306");
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
    pool_min: usize,
    pool_max: usize,
    connect_timeout: Duration,
    ping_after_idle: Option<Duration>,
    statement_cache: usize,
    tls: TlsMode,
    tls_ca: Option<PathBuf>,
}

/// Whether and how the connection is encrypted (MySQL's `ssl-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP (the default; fine on localhost or inside a private VPC).
    #[default]
    Disabled,
    /// Encrypted, without checking the server's certificate.
    Required,
    /// Encrypted; the certificate must chain to the CA (`tls_ca`, or the
    /// bundled web roots), whatever host name it names.
    VerifyCa,
    /// Encrypted; the certificate must chain to the CA and name the host.
    /// What RDS should use, with its CA bundle as `tls_ca`.
    VerifyIdentity,
}

impl TlsMode {
    /// Reads `DISABLED`, `REQUIRED`, `VERIFY_CA` or `VERIFY_IDENTITY`
    /// (any case, `-` or `_`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => Some(Self::Disabled),
            "REQUIRED" => Some(Self::Required),
            "VERIFY_CA" => Some(Self::VerifyCa),
            "VERIFY_IDENTITY" => Some(Self::VerifyIdentity),
            _ => None,
        }
    }
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
    /// methods named like settings set them; `get_*` read them.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: DEFAULT_PORT,
            user: None,
            password: None,
            database: None,
            // Lambda runs one invocation at a time per instance: one
            // connection, kept between invocations, is all it needs.
            pool_min: 1,
            pool_max: 1,
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

    /// Reads the process environment; see [`Config::from_vars`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `var` (the environment, or a map in
    /// tests):
    ///
    /// - `DATABASE_URL` = `mysql://user:password@host:3306/database`
    ///   (optional `?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/bundle.pem`), or
    ///   else `RDS_HOSTNAME`, `RDS_PORT`, `RDS_USERNAME`, `RDS_PASSWORD`,
    ///   `RDS_DB_NAME`;
    /// - tuning, all optional: `RDS_POOL_MAX` (default 1), `RDS_POOL_MIN`
    ///   (idle connections kept, default 1), `RDS_CONNECT_TIMEOUT_MS`
    ///   (default 2000), `RDS_PING_AFTER_IDLE_MS` (default 1000, `off` to
    ///   never ping), `RDS_STATEMENT_CACHE` (default 32), `RDS_SSL_MODE`,
    ///   `RDS_SSL_CA`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let mut config = if let Some(url) = var("DATABASE_URL") {
            Self::from_url(&url)?
        } else if let Some(host) = var("RDS_HOSTNAME") {
            let mut config = Self::new(host.trim());
            if let Some(port) = var("RDS_PORT") {
                config.port = parse_number("RDS_PORT", &port, 1)?;
            }
            config.user = var("RDS_USERNAME");
            config.password = var("RDS_PASSWORD").map(Secret);
            config.database = var("RDS_DB_NAME");
            config
        } else {
            return Err(Error::Config(
                "no database configured: set DATABASE_URL=mysql://user:password@host:3306/database, \
                 or RDS_HOSTNAME, RDS_USERNAME, RDS_PASSWORD and RDS_DB_NAME, \
                 or call lambda_kit::rds::configure(Config::new(...)) before the first query"
                    .to_owned(),
            ));
        };
        if let Some(max) = var("RDS_POOL_MAX") {
            config.pool_max = parse_number("RDS_POOL_MAX", &max, 1)?;
        }
        if let Some(min) = var("RDS_POOL_MIN") {
            config.pool_min = parse_number("RDS_POOL_MIN", &min, 0)?;
        } else {
            config.pool_min = config.pool_min.min(config.pool_max);
        }
        if let Some(ms) = var("RDS_CONNECT_TIMEOUT_MS") {
            config.connect_timeout =
                Duration::from_millis(parse_number("RDS_CONNECT_TIMEOUT_MS", &ms, 1)?);
        }
        if let Some(ms) = var("RDS_PING_AFTER_IDLE_MS") {
            config.ping_after_idle = if ms.trim().eq_ignore_ascii_case("off") {
                None
            } else {
                Some(Duration::from_millis(parse_number(
                    "RDS_PING_AFTER_IDLE_MS",
                    &ms,
                    0,
                )?))
            };
        }
        if let Some(size) = var("RDS_STATEMENT_CACHE") {
            config.statement_cache = parse_number("RDS_STATEMENT_CACHE", &size, 1)?;
        }
        if let Some(mode) = var("RDS_SSL_MODE") {
            config.tls = parse_tls("RDS_SSL_MODE", &mode)?;
        }
        if let Some(ca) = var("RDS_SSL_CA") {
            config.tls_ca = Some(PathBuf::from(ca));
        }
        config.check()?;
        Ok(config)
    }

    /// Reads a `mysql://user:password@host:port/database` URL (`mariadb://`
    /// too). User and password may be percent-encoded; the optional query
    /// parameters are `ssl-mode` and `ssl-ca`. Errors never repeat the URL,
    /// since it holds the password.
    pub fn from_url(url: &str) -> Result<Self, Error> {
        const EXPECTED: &str = "expected mysql://user:password@host:3306/database";
        let parsed = url::Url::parse(url.trim())
            .map_err(|err| Error::Config(format!("DATABASE_URL: {err}; {EXPECTED}")))?;
        if !matches!(parsed.scheme(), "mysql" | "mariadb") {
            return Err(Error::Config(format!(
                "DATABASE_URL must start with mysql:// or mariadb://, not {}://",
                parsed.scheme()
            )));
        }
        let host = match parsed.host_str() {
            Some(host) if !host.is_empty() => host.trim_start_matches('[').trim_end_matches(']'),
            _ => {
                return Err(Error::Config(format!(
                    "DATABASE_URL has no host; {EXPECTED}"
                )))
            }
        };
        let mut config = Self::new(host);
        config.port = parsed.port().unwrap_or(DEFAULT_PORT);
        config.user = Some(decode("user name", parsed.username())?).filter(|user| !user.is_empty());
        if let Some(password) = parsed.password() {
            config.password = Some(Secret(decode("password", password)?));
        }
        let path = parsed.path().trim_start_matches('/');
        if path.contains('/') {
            return Err(Error::Config(format!(
                "DATABASE_URL names the database after a single `/`; {EXPECTED}"
            )));
        }
        config.database = Some(decode("database name", path)?).filter(|db| !db.is_empty());
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "ssl-mode" | "ssl_mode" | "sslmode" => config.tls = parse_tls("DATABASE_URL ssl-mode", &value)?,
                "ssl-ca" | "ssl_ca" | "sslca" => config.tls_ca = Some(PathBuf::from(value.as_ref())),
                other => {
                    return Err(Error::Config(format!(
                        "DATABASE_URL parameter `{other}` is not supported: the URL takes `ssl-mode` and `ssl-ca`; \
                         tune the pool with RDS_POOL_MAX, RDS_CONNECT_TIMEOUT_MS and the other RDS_* variables"
                    )))
                }
            }
        }
        Ok(config)
    }

    /// The server's host name or IP address.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The server's port (default 3306).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The user to log in as.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The user's password, e.g. read from Secrets Manager during `init`.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Secret(password.into()));
        self
    }

    /// The default database of every connection.
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Connections without a default database: every table is then
    /// written as `database.table`.
    pub fn without_database(mut self) -> Self {
        self.database = None;
        self
    }

    /// At most this many connections at once (default 1: Lambda sends one
    /// invocation at a time to an instance). Raise it when one invocation
    /// runs queries concurrently or holds a [`Conn`](super::Conn) while
    /// running pool queries.
    pub fn pool_max(mut self, max: usize) -> Self {
        self.pool_max = max;
        self.pool_min = self.pool_min.min(max);
        self
    }

    /// Idle connections kept open between invocations (default 1); extra
    /// ones close after a minute without use.
    pub fn pool_min(mut self, min: usize) -> Self {
        self.pool_min = min;
        self
    }

    /// How long getting a connection may take, waiting for the server or a
    /// free pooled connection, before the query fails (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Ping a pooled connection that has been idle at least this long
    /// before a statement that is not a read (default 1 s; `None` never).
    /// Reads on a connection that turns out dead are retried instead;
    /// writes cannot be, since they might have run.
    pub fn ping_after_idle(mut self, idle: Option<Duration>) -> Self {
        self.ping_after_idle = idle;
        self
    }

    /// Prepared statements kept per connection (default 32).
    pub fn statement_cache(mut self, size: usize) -> Self {
        self.statement_cache = size;
        self
    }

    /// Whether to encrypt and what to verify; needs the `rds-tls` feature
    /// for anything but [`TlsMode::Disabled`].
    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }

    /// The CA bundle (PEM) the server certificate must chain to, e.g. the
    /// RDS `global-bundle.pem`; only this CA is trusted then.
    pub fn tls_ca(mut self, path: impl Into<PathBuf>) -> Self {
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
    pub fn get_host(&self) -> &str {
        &self.host
    }

    /// The server's port.
    pub fn get_port(&self) -> u16 {
        self.port
    }

    /// The user, if one is set.
    pub fn get_user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The default database, if one is set.
    pub fn get_database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// See [`Config::pool_max`].
    pub fn get_pool_max(&self) -> usize {
        self.pool_max
    }

    /// See [`Config::connect_timeout`].
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// See [`Config::tls`].
    pub fn get_tls(&self) -> TlsMode {
        self.tls
    }

    pub(crate) fn idle_ping(&self) -> Option<Duration> {
        self.ping_after_idle
    }

    /// Rejects settings the pool cannot work with.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.pool_max == 0 {
            return Err(Error::Config(
                "the pool needs at least one connection (RDS_POOL_MAX >= 1)".to_owned(),
            ));
        }
        if self.pool_min > self.pool_max {
            return Err(Error::Config(format!(
                "RDS_POOL_MIN ({}) is above RDS_POOL_MAX ({})",
                self.pool_min, self.pool_max
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
        let constraints = mysql_async::PoolConstraints::new(self.pool_min, self.pool_max)
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
        Ok(self.with_tls(builder).into())
    }

    #[cfg(feature = "rds-tls")]
    fn with_tls(&self, builder: mysql_async::OptsBuilder) -> mysql_async::OptsBuilder {
        builder.ssl_opts(self.ssl_opts())
    }

    #[cfg(not(feature = "rds-tls"))]
    fn with_tls(&self, builder: mysql_async::OptsBuilder) -> mysql_async::OptsBuilder {
        builder
    }

    /// The driver's TLS options for [`Config::tls`].
    #[cfg(feature = "rds-tls")]
    pub(crate) fn ssl_opts(&self) -> Option<mysql_async::SslOpts> {
        let verified = || {
            let opts = mysql_async::SslOpts::default();
            match &self.tls_ca {
                Some(ca) => opts
                    .with_root_certs(vec![ca.clone().into()])
                    .with_disable_built_in_roots(true),
                None => opts,
            }
        };
        match self.tls {
            TlsMode::Disabled => None,
            TlsMode::Required => Some(
                mysql_async::SslOpts::default()
                    .with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            ),
            TlsMode::VerifyCa => Some(verified().with_danger_skip_domain_validation(true)),
            TlsMode::VerifyIdentity => Some(verified()),
        }
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + fmt::Display>(
    name: &str,
    text: &str,
    min: T,
) -> Result<T, Error> {
    match text.trim().parse::<T>() {
        Ok(value) if value >= min => Ok(value),
        _ => Err(Error::Config(format!(
            "{name} must be a whole number of at least {min}, not `{}`",
            text.trim()
        ))),
    }
}

fn parse_tls(name: &str, text: &str) -> Result<TlsMode, Error> {
    TlsMode::parse(text).ok_or_else(|| {
        Error::Config(format!(
            "{name} must be DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, not `{}`",
            text.trim()
        ))
    })
}

/// Percent-decodes a URL part; what failed is named, its text never shown.
fn decode(what: &str, text: &str) -> Result<String, Error> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| {
            Error::Config(format!(
                "the DATABASE_URL {what} is not valid UTF-8 once percent-decoded"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Config, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn reads_database_url() {
        let config = from(&[(
            "DATABASE_URL",
            "mysql://app:s3cr%40t@db.example.com:3307/web",
        )])
        .unwrap();
        assert_eq!(config.get_host(), "db.example.com");
        assert_eq!(config.address(), "db.example.com:3307");
        assert_eq!(config.get_user(), Some("app"));
        assert_eq!(config.password.as_ref().unwrap().expose(), "s3cr@t");
        assert_eq!(config.get_database(), Some("web"));
        assert_eq!(config.get_pool_max(), 1);
        assert_eq!(config.get_connect_timeout(), Duration::from_secs(2));
        assert_eq!(config.idle_ping(), Some(Duration::from_secs(1)));
        assert_eq!(config.get_tls(), TlsMode::Disabled);
    }

    #[test]
    fn url_defaults_and_variants() {
        let config = Config::from_url("mariadb://127.0.0.1").unwrap();
        assert_eq!(config.address(), "127.0.0.1:3306");
        assert_eq!((config.get_user(), config.get_database()), (None, None));
        assert!(config.password.is_none());
        let config = Config::from_url("mysql://root@[::1]:3306/test").unwrap();
        assert_eq!(config.get_host(), "::1");
        assert_eq!(config.address(), "[::1]:3306");
        let config =
            Config::from_url("mysql://u:p@h/db?ssl-mode=verify_identity&ssl-ca=/opt/ca.pem")
                .unwrap();
        assert_eq!(config.get_tls(), TlsMode::VerifyIdentity);
        assert_eq!(
            config.tls_ca.as_deref(),
            Some(std::path::Path::new("/opt/ca.pem"))
        );
    }

    #[test]
    fn reads_rds_variables_when_there_is_no_url() {
        let config = from(&[
            ("RDS_HOSTNAME", "mydb.abc.eu-west-1.rds.amazonaws.com"),
            ("RDS_PORT", "3310"),
            ("RDS_USERNAME", "admin"),
            ("RDS_PASSWORD", "hunter2"),
            ("RDS_DB_NAME", "web"),
        ])
        .unwrap();
        assert_eq!(
            config.address(),
            "mydb.abc.eu-west-1.rds.amazonaws.com:3310"
        );
        assert_eq!(config.get_user(), Some("admin"));
        assert_eq!(config.password.as_ref().unwrap().expose(), "hunter2");
        assert_eq!(config.get_database(), Some("web"));
    }

    #[test]
    fn database_url_wins_over_rds_variables() {
        let config = from(&[
            ("DATABASE_URL", "mysql://a@url-host/db"),
            ("RDS_HOSTNAME", "rds-host"),
        ])
        .unwrap();
        assert_eq!(config.get_host(), "url-host");
    }

    #[test]
    fn reads_tuning_variables() {
        let config = from(&[
            ("DATABASE_URL", "mysql://a@h/db"),
            ("RDS_POOL_MAX", "4"),
            ("RDS_POOL_MIN", "2"),
            ("RDS_CONNECT_TIMEOUT_MS", "750"),
            ("RDS_PING_AFTER_IDLE_MS", "off"),
            ("RDS_STATEMENT_CACHE", "64"),
        ])
        .unwrap();
        assert_eq!((config.pool_min, config.pool_max), (2, 4));
        assert_eq!(config.get_connect_timeout(), Duration::from_millis(750));
        assert_eq!(config.idle_ping(), None);
        assert_eq!(config.statement_cache, 64);
        let config = from(&[
            ("DATABASE_URL", "mysql://a@h/db"),
            ("RDS_PING_AFTER_IDLE_MS", "250"),
        ])
        .unwrap();
        assert_eq!(config.idle_ping(), Some(Duration::from_millis(250)));
    }

    #[test]
    fn tls_needs_the_feature() {
        let result = from(&[
            ("DATABASE_URL", "mysql://a@h/db"),
            ("RDS_SSL_MODE", "REQUIRED"),
        ]);
        if cfg!(feature = "rds-tls") {
            assert_eq!(result.unwrap().get_tls(), TlsMode::Required);
        } else {
            let message = result.unwrap_err().to_string();
            assert!(
                message.contains("enable lambda-kit's `rds-tls` feature"),
                "{message}"
            );
        }
    }

    #[test]
    fn bad_settings_are_explained() {
        let cases: [(&[(&str, &str)], &str); 8] = [
            (&[], "no database configured: set DATABASE_URL"),
            (
                &[("DATABASE_URL", "postgres://u:p@h/db")],
                "must start with mysql://",
            ),
            (
                &[("DATABASE_URL", "mysql://u:p@h/db/x")],
                "after a single `/`",
            ),
            (
                &[("DATABASE_URL", "mysql://u:p@h/db?pool_max=3")],
                "parameter `pool_max` is not supported",
            ),
            (
                &[("RDS_HOSTNAME", "h"), ("RDS_PORT", "http")],
                "RDS_PORT must be a whole number",
            ),
            (
                &[("DATABASE_URL", "mysql://h/db"), ("RDS_POOL_MAX", "0")],
                "RDS_POOL_MAX must be a whole number of at least 1",
            ),
            (
                &[("DATABASE_URL", "mysql://h/db"), ("RDS_POOL_MIN", "3")],
                "RDS_POOL_MIN (3) is above RDS_POOL_MAX (1)",
            ),
            (
                &[
                    ("DATABASE_URL", "mysql://h/db"),
                    ("RDS_SSL_MODE", "PREFERRED"),
                ],
                "must be DISABLED, REQUIRED",
            ),
        ];
        for (vars, expected) in cases {
            let message = from(vars).unwrap_err().to_string();
            assert!(message.contains(expected), "{vars:?}: {message}");
        }
    }

    #[test]
    fn credentials_never_show() {
        let url = "mysql://admin:Pa55-w0rd!@db.example.com:3306/web";
        let config = Config::from_url(url).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("Pa55-w0rd!"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        let config = from(&[("RDS_HOSTNAME", "h"), ("RDS_PASSWORD", "Pa55-w0rd!")]).unwrap();
        assert!(!format!("{config:?}").contains("Pa55-w0rd!"));
        assert!(!format!("{:?}", Config::new("h").password("Pa55-w0rd!")).contains("Pa55-w0rd!"));
        // Broken URLs are reported without repeating them.
        for broken in [
            "mysql://admin:Pa55-w0rd!@db.example.com:99999/web",
            "mysql://admin:Pa55-w0rd!@/web",
            "mysql://admin:Pa55-w0rd!@db.example.com/web?x=Pa55-w0rd!",
            "mysql://admin:Pa55%FF-w0rd!@db.example.com/web",
            "ftp://admin:Pa55-w0rd!@db.example.com/web",
        ] {
            let err = Config::from_url(broken).unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains("Pa55"), "{broken}: {text}");
            }
        }
    }

    #[test]
    fn tls_modes_parse_in_any_spelling() {
        assert_eq!(
            TlsMode::parse("verify-identity"),
            Some(TlsMode::VerifyIdentity)
        );
        assert_eq!(TlsMode::parse(" VERIFY_CA "), Some(TlsMode::VerifyCa));
        assert_eq!(TlsMode::parse("required"), Some(TlsMode::Required));
        assert_eq!(TlsMode::parse("disabled"), Some(TlsMode::Disabled));
        assert_eq!(TlsMode::parse("preferred"), None);
        let err = Config::new("h").tls_ca("/ca.pem").check().unwrap_err();
        assert!(err.to_string().contains("TLS is disabled"), "{err}");
    }

    #[cfg(feature = "rds-tls")]
    #[test]
    fn tls_modes_map_to_driver_options() {
        let ssl = |config: Config| config.ssl_opts();
        assert!(ssl(Config::new("h")).is_none());
        let required = ssl(Config::new("h").tls(TlsMode::Required)).unwrap();
        assert!(required.accept_invalid_certs() && required.skip_domain_validation());
        let ca = ssl(Config::new("h").tls(TlsMode::VerifyCa).tls_ca("/ca.pem")).unwrap();
        assert!(!ca.accept_invalid_certs() && ca.skip_domain_validation());
        assert_eq!(ca.root_certs().len(), 1);
        assert!(ca.disable_built_in_roots());
        let identity = ssl(Config::new("h").tls(TlsMode::VerifyIdentity)).unwrap();
        assert!(!identity.accept_invalid_certs() && !identity.skip_domain_validation());
        assert!(!identity.disable_built_in_roots());
    }
}
