//! The database the lookups run against: `rds_lookup`'s schema and sample
//! rows (examples/rds_lookup/rds_lookup.sql) plus a thousand other names, so the
//! lookup goes through the index, in a database of its own that is dropped
//! afterwards.

use lambda_kit::rds::mysql_async::prelude::{FromRow, Queryable};
use lambda_kit::rds::{Config, Pool};

/// A uniquely named database on the server from `DATABASE_URL`.
pub struct BenchDb {
    pub name: String,
    url: String,
    pub server: Config,
    admin: Pool,
    pub version: String,
}

impl BenchDb {
    pub async fn create(url: &str) -> Result<BenchDb, String> {
        let server = Config::from_url(url)
            .map_err(|err| format!("DATABASE_URL: {err}"))?
            .without_database();
        let admin = Pool::new(server.clone()).map_err(|err| err.to_string())?;
        let mut conn = admin.conn().await.map_err(|err| {
            format!(
                "{err}\nStart MariaDB with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
                 or set DATABASE_URL"
            )
        })?;
        let name = format!("lk_bench_{}", std::process::id());
        let script =
            include_str!("../../../examples/rds_lookup/rds_lookup.sql").replace("web", &name);
        let bulk = format!(
            "INSERT INTO `{name}`.test (name, value) \
             WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000) \
             SELECT CONCAT('user', n), 'filler' FROM seq"
        );
        let statements = script
            .split(";\n")
            .map(|s| {
                s.lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|s| !s.trim().is_empty())
            .chain([bulk]);
        for statement in statements {
            conn.as_mysql()
                .query_drop(&statement)
                .await
                .map_err(|err| format!("{statement}: {err}"))?;
        }
        let version: Option<String> = conn
            .as_mysql()
            .query_first("SELECT VERSION()")
            .await
            .map_err(|err| err.to_string())?;
        drop(conn);
        Ok(BenchDb {
            name,
            url: url.to_owned(),
            server,
            admin,
            version: version.unwrap_or_default(),
        })
    }

    /// The environment a bootstrap needs to reach this database at
    /// `address` (the server, or a relay in front of it): `DATABASE_URL`
    /// for the Rust ones, `RDS_*` for the Python one.
    pub fn env_via(&self, address: std::net::SocketAddr) -> Vec<(String, String)> {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let (user, password) = match authority.rsplit_once('@') {
            Some((info, _)) => match info.split_once(':') {
                Some((user, password)) => (user, password),
                None => (info, ""),
            },
            None => ("root", ""),
        };
        let credentials = if password.is_empty() {
            user.to_owned()
        } else {
            format!("{user}:{password}")
        };
        let owned = |(k, v): (&str, String)| (k.to_owned(), v);
        [
            (
                "DATABASE_URL",
                format!("mysql://{credentials}@{address}/{}", self.name),
            ),
            ("RDS_HOSTNAME", address.ip().to_string()),
            ("RDS_PORT", address.port().to_string()),
            ("RDS_USERNAME", user.to_owned()),
            ("RDS_PASSWORD", password.to_owned()),
            ("RDS_DB_NAME", self.name.clone()),
        ]
        .into_iter()
        .map(owned)
        .collect()
    }

    /// Runs `sql` (whose tables name this database).
    pub async fn execute(&self, sql: &str) -> Result<(), String> {
        let mut conn = self.admin.conn().await.map_err(|err| err.to_string())?;
        conn.as_mysql()
            .query_drop(sql)
            .await
            .map_err(|err| format!("{sql}: {err}"))
    }

    /// The first row of `sql` (whose tables name this database).
    pub async fn first<T: FromRow + Send + 'static>(&self, sql: &str) -> Result<Option<T>, String> {
        let mut conn = self.admin.conn().await.map_err(|err| err.to_string())?;
        conn.as_mysql()
            .query_first(sql)
            .await
            .map_err(|err| format!("{sql}: {err}"))
    }

    pub async fn drop_database(&self) {
        if let Ok(mut conn) = self.admin.conn().await {
            let _ = conn
                .as_mysql()
                .query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name))
                .await;
        }
    }
}

/// The server's address, resolved.
pub fn socket_address(config: &Config) -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    config
        .address()
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .expect("the database address resolves")
}
