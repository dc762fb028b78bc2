use lambda_kit::{rds, rds_query};

#[rds_query]
async fn ids() -> Result<Vec<i64>, rds::Error>;

fn main() {}
