use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test")]
fn ids() -> Result<Vec<i64>, rds::Error>;

fn main() {}
