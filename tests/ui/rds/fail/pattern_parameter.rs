use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE a = ? AND b = ?")]
async fn find((a, b): (i32, i32)) -> Result<Vec<i64>, rds::Error>;

fn main() {}
