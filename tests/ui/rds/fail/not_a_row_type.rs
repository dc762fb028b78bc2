use lambda_kit::{rds, rds_query};

struct Test {
    id: i64,
}

#[rds_query("SELECT id FROM test")]
async fn all() -> Result<Vec<Test>, rds::Error>;

fn main() {}
