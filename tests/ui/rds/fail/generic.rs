use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = :name")]
async fn find<T: AsRef<str>>(name: T) -> Result<Vec<i64>, rds::Error>;

fn main() {}
