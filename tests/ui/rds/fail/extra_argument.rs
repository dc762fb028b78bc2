use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test", timeout = 5)]
async fn ids() -> Result<Vec<i64>, rds::Error>;

fn main() {}
