use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = :nmae")]
async fn find(name: &str) -> Result<Vec<i64>, rds::Error>;

fn main() {}
