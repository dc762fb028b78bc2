use std::time::Instant;

use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE seen_at > :since")]
async fn seen_since(since: Instant) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT id FROM test WHERE name = ? AND seen_at > ?")]
async fn named_seen_since(name: &str, since: Option<&Instant>) -> Result<Vec<i64>, rds::Error>;

fn main() {}
