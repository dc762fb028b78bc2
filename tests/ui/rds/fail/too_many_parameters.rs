use lambda_kit::{rds, rds_query};

#[rds_query("INSERT INTO test (id, name) VALUES (?, ?)")]
async fn insert(id: i64, name: &str, email: &str) -> Result<u64, rds::Error>;

fn main() {}
