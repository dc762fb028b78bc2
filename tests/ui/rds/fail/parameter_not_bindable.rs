use lambda_kit::{rds, rds_query};

struct UserId(i64);

#[rds_query("SELECT name FROM test WHERE id = :id")]
async fn name(id: UserId) -> Result<Option<String>, rds::Error>;

fn main() {}
