//! The documented Lambda -> RDS handler: looks `name` up in table `test` of
//! database `web` and returns column 1 (`value`) of the last matching row,
//! or `null`. The Python original connected on every invocation with a
//! password in its source and built the SQL by hand; this one reads the
//! credentials from the environment, keeps one pooled connection per warm
//! instance (opened during init) and always binds the name.
//!
//! ```text
//! mariadb --host=127.0.0.1 --user=root < examples/rds_lookup/rds_lookup.sql
//! DATABASE_URL=mysql://root@127.0.0.1:3306/web cargo run --bin rds_lookup -- '{"name": "jhc"}'
//! ```
//!
//! Deployed, set `DATABASE_URL` (or `RDS_HOSTNAME`, `RDS_USERNAME`,
//! `RDS_PASSWORD`, `RDS_DB_NAME`) on the function, and run it in the
//! database's VPC.

use lambda_kit::{lambda_handler, rds, rds_query};
use serde::Deserialize;

/// `{"name": "..."}`; without a name it looks up `jhc`, the name the
/// documented handler hard-codes.
#[derive(Debug, Deserialize)]
pub struct Lookup {
    #[serde(default = "default_name")]
    name: String,
}

fn default_name() -> String {
    "jhc".to_owned()
}

/// The columns of `test` the handler reads.
#[derive(Debug, PartialEq, rds::FromRow)]
pub struct Test {
    name: String,
    value: Option<String>,
}

/// `select * from test where name = ...` keeping the last row, done by the
/// server: only the newest match comes back.
#[rds_query("SELECT name, value FROM test WHERE name = :name ORDER BY id DESC LIMIT 1")]
async fn last_match(name: &str) -> Result<Option<Test>, rds::Error>;

/// Once per cold start: a missing or wrong configuration fails init (and
/// is reported as such), and the first invocation finds its connection
/// open.
async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

#[lambda_handler(init = setup)]
async fn rds_lookup(event: Lookup) -> Result<Option<String>, rds::Error> {
    Ok(last_match(&event.name).await?.and_then(|row| row.value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_kit::rds::mysql_async::prelude::Queryable;

    #[test]
    fn the_name_defaults_to_jhc() {
        let event: Lookup = lambda_kit::decode_event(b"{}").unwrap();
        assert_eq!(event.name, "jhc");
        let err = lambda_kit::decode_event::<Lookup>(br#"{"name": 5}"#).unwrap_err();
        assert_eq!(err.error_type, "Runtime.UnmarshalError");
    }

    /// The one test an app author writes to check every query of the
    /// binary against the real schema (examples/rds_lookup/rds_lookup.sql, loaded into
    /// a database of its own).
    #[tokio::test]
    async fn every_query_fits_the_schema() {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
        let server = rds::Config::from_url(&url).unwrap().without_database();
        let admin = rds::Pool::new(server.clone()).unwrap();
        let mut conn = admin.conn().await.unwrap_or_else(|err| {
            panic!(
                "{err}\nStart MariaDB with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
                 or set DATABASE_URL"
            )
        });
        let database = format!("lk_rds_lookup_{}", std::process::id());
        let script = include_str!("../rds_lookup.sql").replace("web", &database);
        let pool = rds::Pool::new(server.with_database(database.clone())).unwrap();
        let checked = async {
            for statement in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
                conn.as_mysql()
                    .query_drop(statement)
                    .await
                    .map_err(|err| err.to_string())?;
            }
            rds::verify_queries(&pool)
                .await
                .map_err(|err| err.to_string())
        }
        .await;
        // Dropped before asserting, so a failure leaves nothing behind.
        conn.as_mysql()
            .query_drop(format!("DROP DATABASE IF EXISTS `{database}`"))
            .await
            .unwrap();
        assert_eq!(checked.unwrap().queries, 1);
    }
}
