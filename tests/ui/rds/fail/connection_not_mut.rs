use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test WHERE name = :name")]
async fn find(conn: &rds::Conn, name: &str) -> Result<Vec<i64>, rds::Error>;

fn main() {}
