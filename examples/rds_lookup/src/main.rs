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

#[lambda_handler(init = setup, deploy(database))]
async fn rds_lookup(event: Lookup) -> Result<Option<String>, rds::Error> {
    Ok(last_match(&event.name).await?.and_then(|row| row.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_defaults_to_jhc() {
        let event: Lookup = lambda_kit::decode_event(b"{}").unwrap();
        assert_eq!(event.name, "jhc");
        let err = lambda_kit::decode_event::<Lookup>(br#"{"name": 5}"#).unwrap_err();
        assert_eq!(err.error_type, "Runtime.UnmarshalError");
    }

    /// The one test an app author writes to check every query of the
    /// binary against the real schema (examples/rds_lookup/rds_lookup.sql,
    /// loaded into a scratch database of its own on the server of
    /// `DATABASE_URL`).
    #[tokio::test]
    async fn every_query_fits_the_schema() {
        let checked = rds::verify_queries_with_schema(include_str!("../rds_lookup.sql"))
            .await
            .unwrap();
        assert_eq!(checked.queries, 1);
    }
}
