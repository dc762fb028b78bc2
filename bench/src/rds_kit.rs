//! `rds_lookup` through `#[lambda_handler]` and `#[rds_query]` (same code as
//! examples/rds_lookup.rs): one pooled connection, opened during init.

use lambda_kit::{lambda_handler, rds, rds_query};
use serde::Deserialize;

#[derive(Deserialize)]
struct Lookup {
    #[serde(default = "default_name")]
    name: String,
}

fn default_name() -> String {
    "jhc".to_owned()
}

#[derive(rds::FromRow)]
struct Test {
    #[allow(dead_code)]
    name: String,
    value: Option<String>,
}

#[rds_query("SELECT name, value FROM test WHERE name = :name ORDER BY id DESC LIMIT 1")]
async fn last_match(name: &str) -> Result<Option<Test>, rds::Error>;

/// Opens the pool's connection before the first invocation.
async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

#[lambda_handler(init = setup)]
async fn rds_lookup(event: Lookup) -> Result<Option<String>, rds::Error> {
    Ok(last_match(&event.name).await?.and_then(|row| row.value))
}
