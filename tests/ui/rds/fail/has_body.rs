use lambda_kit::{rds, rds_query};

#[rds_query("SELECT id FROM test")]
async fn ids() -> Result<Vec<i64>, rds::Error> {
    Ok(vec![])
}

fn main() {}
