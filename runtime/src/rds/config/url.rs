//! The configuration from a `mysql://user:password@host:port/database` URL.

use std::path::PathBuf;

use super::tls::parse_tls;
use super::{Config, Error, Secret, DEFAULT_PORT};

impl Config {
    /// Reads a `mysql://user:password@host:port/database` URL (`mariadb://`
    /// too). User and password may be percent-encoded; the optional query
    /// parameters are `ssl-mode` and `ssl-ca`. Errors never repeat the URL,
    /// since it holds the password.
    pub fn from_url(url: &str) -> Result<Self, Error> {
        const EXPECTED: &str = "expected mysql://user:password@host:3306/database";
        let parsed = ::url::Url::parse(url.trim())
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
    use super::super::TlsMode;
    use super::*;

    #[test]
    fn url_defaults_and_variants() {
        let config = Config::from_url("mariadb://127.0.0.1").unwrap();
        assert_eq!(config.address(), "127.0.0.1:3306");
        assert_eq!((config.user(), config.database()), (None, None));
        assert!(config.password.is_none());
        let config = Config::from_url("mysql://root@[::1]:3306/test").unwrap();
        assert_eq!(config.host(), "::1");
        assert_eq!(config.address(), "[::1]:3306");
        let config =
            Config::from_url("mysql://u:p@h/db?ssl-mode=verify_identity&ssl-ca=/opt/ca.pem")
                .unwrap();
        assert_eq!(config.tls(), TlsMode::VerifyIdentity);
        assert_eq!(config.tls_ca(), Some(std::path::Path::new("/opt/ca.pem")));
    }

    #[test]
    fn credentials_never_show() {
        let url = "mysql://admin:Pa55-w0rd!@db.example.com:3306/web";
        let config = Config::from_url(url).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("Pa55-w0rd!"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        let config = Config::from_vars(|name| match name {
            "RDS_HOSTNAME" => Some("h".to_owned()),
            "RDS_PASSWORD" => Some("Pa55-w0rd!".to_owned()),
            _ => None,
        })
        .unwrap();
        assert!(!format!("{config:?}").contains("Pa55-w0rd!"));
        assert!(
            !format!("{:?}", Config::new("h").with_password("Pa55-w0rd!")).contains("Pa55-w0rd!")
        );
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
}
