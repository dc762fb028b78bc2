use std::time::Instant;

use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id, seen_at FROM test")]
async fn seen(pool: &rds::Pool) -> Result<Vec<(i64, Instant)>, rds::Error>;

fn main() {}
