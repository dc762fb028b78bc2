//! The configuration from the environment: `DATABASE_URL`, or the `RDS_*`
//! variables, plus the tuning variables.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::tls::parse_tls;
use super::{Config, Error, Secret};

impl Config {
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
    /// - tuning, all optional: `RDS_POOL_MAX` (default
    ///   `AWS_LAMBDA_MAX_CONCURRENCY`, else 1), `RDS_POOL_MIN`
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
        config.pool_max = Some(match var("RDS_POOL_MAX") {
            Some(max) => parse_number("RDS_POOL_MAX", &max, 1)?,
            None => {
                let concurrency = var(crate::MAX_CONCURRENCY_ENV);
                crate::concurrency::per_environment(concurrency.as_deref()) as usize
            }
        });
        if let Some(min) = var("RDS_POOL_MIN") {
            config.pool_min = Some(parse_number("RDS_POOL_MIN", &min, 0)?);
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
}

pub(super) fn parse_number<T: std::str::FromStr + PartialOrd + fmt::Display>(
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

#[cfg(test)]
mod tests {
    use super::super::TlsMode;
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
        assert_eq!(config.host(), "db.example.com");
        assert_eq!(config.address(), "db.example.com:3307");
        assert_eq!(config.user(), Some("app"));
        assert_eq!(config.password.as_ref().unwrap().expose(), "s3cr@t");
        assert_eq!(config.database(), Some("web"));
        assert_eq!(config.pool_max(), 1);
        assert_eq!(config.connect_timeout(), Duration::from_secs(2));
        assert_eq!(config.ping_after_idle(), Some(Duration::from_secs(1)));
        assert_eq!(config.tls(), TlsMode::Disabled);
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
        assert_eq!(config.user(), Some("admin"));
        assert_eq!(config.password.as_ref().unwrap().expose(), "hunter2");
        assert_eq!(config.database(), Some("web"));
    }

    #[test]
    fn database_url_wins_over_rds_variables() {
        let config = from(&[
            ("DATABASE_URL", "mysql://a@url-host/db"),
            ("RDS_HOSTNAME", "rds-host"),
        ])
        .unwrap();
        assert_eq!(config.host(), "url-host");
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
        assert_eq!((config.pool_min(), config.pool_max()), (2, 4));
        assert_eq!(config.connect_timeout(), Duration::from_millis(750));
        assert_eq!(config.ping_after_idle(), None);
        assert_eq!(config.statement_cache(), 64);
        let config = from(&[
            ("DATABASE_URL", "mysql://a@h/db"),
            ("RDS_PING_AFTER_IDLE_MS", "250"),
        ])
        .unwrap();
        assert_eq!(config.ping_after_idle(), Some(Duration::from_millis(250)));
    }

    #[test]
    fn the_pool_follows_the_concurrency_unless_told_otherwise() {
        let url = ("DATABASE_URL", "mysql://h/db");
        let config = from(&[url, ("AWS_LAMBDA_MAX_CONCURRENCY", "8")]).unwrap();
        assert_eq!((config.pool_min(), config.pool_max()), (1, 8));
        let config = from(&[
            url,
            ("AWS_LAMBDA_MAX_CONCURRENCY", "8"),
            ("RDS_POOL_MAX", "3"),
        ])
        .unwrap();
        assert_eq!(config.pool_max(), 3);
        let config = from(&[url, ("AWS_LAMBDA_MAX_CONCURRENCY", "1")]).unwrap();
        assert_eq!(config.pool_max(), 1);
    }

    #[test]
    fn tls_needs_the_feature() {
        let result = from(&[
            ("DATABASE_URL", "mysql://a@h/db"),
            ("RDS_SSL_MODE", "REQUIRED"),
        ]);
        if cfg!(feature = "rds-tls") {
            assert_eq!(result.unwrap().tls(), TlsMode::Required);
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
}
