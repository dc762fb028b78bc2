//! `rds_lookup` on a `sqlx` MySQL pool: the same handler, query and
//! one-connection pool (opened during init) as examples/rds_lookup/src/main.rs, with sqlx
//! in place of `#[rds_query]`. The pool skips sqlx's default ping before
//! each acquire, as lambda-kit's pool does for reads (sqlx still pings each
//! connection when it returns to the pool).

use lambda_kit::lambda_handler;
use serde::Deserialize;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};

#[derive(Deserialize)]
struct Lookup {
    #[serde(default = "default_name")]
    name: String,
}

fn default_name() -> String {
    "jhc".to_owned()
}

async fn setup() -> Result<MySqlPool, sqlx::Error> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|err| sqlx::Error::Configuration(format!("DATABASE_URL: {err}").into()))?;
    MySqlPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .test_before_acquire(false)
        .connect(&url)
        .await
}

#[lambda_handler(init = setup)]
async fn rds_lookup(event: Lookup, pool: &MySqlPool) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT name, value FROM test WHERE name = ? ORDER BY id DESC LIMIT 1")
            .bind(&event.name)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(_, value)| value))
}
