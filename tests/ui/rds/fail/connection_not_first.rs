use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = :name")]
async fn find(name: &str, conn: &mut rds::Conn) -> Result<Vec<i64>, rds::Error>;

fn main() {}
