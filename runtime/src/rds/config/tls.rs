//! TLS to the database: the modes of MySQL's `ssl-mode` and the driver
//! options each one means.

use super::{Config, Error};

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

/// `text` as a [`TlsMode`]; `name` says where it was read.
pub(super) fn parse_tls(name: &str, text: &str) -> Result<TlsMode, Error> {
    TlsMode::parse(text).ok_or_else(|| {
        Error::Config(format!(
            "{name} must be DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, not `{}`",
            text.trim()
        ))
    })
}

impl Config {
    #[cfg(feature = "rds-tls")]
    pub(super) fn tls_opts(&self, builder: mysql_async::OptsBuilder) -> mysql_async::OptsBuilder {
        builder.ssl_opts(self.ssl_opts())
    }

    #[cfg(not(feature = "rds-tls"))]
    pub(super) fn tls_opts(&self, builder: mysql_async::OptsBuilder) -> mysql_async::OptsBuilder {
        builder
    }

    /// The driver's TLS options for [`Config::tls`].
    #[cfg(feature = "rds-tls")]
    pub(crate) fn ssl_opts(&self) -> Option<mysql_async::SslOpts> {
        let verified = || {
            let opts = mysql_async::SslOpts::default();
            match self.tls_ca() {
                Some(ca) => opts
                    .with_root_certs(vec![ca.to_path_buf().into()])
                    .with_disable_built_in_roots(true),
                None => opts,
            }
        };
        match self.tls() {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let err = Config::new("h").with_tls_ca("/ca.pem").check().unwrap_err();
        assert!(err.to_string().contains("TLS is disabled"), "{err}");
    }

    #[test]
    #[cfg(feature = "rds-tls")]
    fn tls_modes_map_to_driver_options() {
        let ssl = |config: Config| config.ssl_opts();
        assert!(ssl(Config::new("h")).is_none());
        let required = ssl(Config::new("h").with_tls(TlsMode::Required)).unwrap();
        assert!(required.accept_invalid_certs() && required.skip_domain_validation());
        let ca = ssl(Config::new("h")
            .with_tls(TlsMode::VerifyCa)
            .with_tls_ca("/ca.pem"))
        .unwrap();
        assert!(!ca.accept_invalid_certs() && ca.skip_domain_validation());
        assert_eq!(ca.root_certs().len(), 1);
        assert!(ca.disable_built_in_roots());
        let identity = ssl(Config::new("h").with_tls(TlsMode::VerifyIdentity)).unwrap();
        assert!(!identity.accept_invalid_certs() && !identity.skip_domain_validation());
        assert!(!identity.disable_built_in_roots());
    }
}
