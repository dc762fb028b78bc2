use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = 'jhc AND id = :id")]
async fn find(id: i64) -> Result<Vec<i64>, rds::Error>;

fn main() {}
