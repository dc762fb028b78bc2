use lambda_kit::{rds, rds_query};

#[rds_query("INSERT INTO test (id, name, email) VALUES (?, ?, ?)")]
async fn insert(id: i64, name: &str) -> Result<u64, rds::Error>;

fn main() {}
