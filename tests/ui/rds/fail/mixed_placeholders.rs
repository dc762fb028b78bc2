use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = :name AND id > ?")]
async fn find(name: &str, min: i64) -> Result<Vec<i64>, rds::Error>;

fn main() {}
