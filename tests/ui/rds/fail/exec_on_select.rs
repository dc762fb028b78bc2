use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test")]
async fn ids() -> Result<rds::Exec, rds::Error>;

#[rds_query("DELETE FROM test WHERE id = ? RETURNING id")]
async fn delete(id: i64) -> Result<rds::Exec, rds::Error>;

fn main() {}
