use lambda_kit::{rds, rds_query};

const SQL: &str = "SELECT id FROM test";

#[rds_query(SQL)]
async fn ids() -> Result<Vec<i64>, rds::Error>;

fn main() {}
