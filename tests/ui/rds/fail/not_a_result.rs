use lambda_kit::rds_query;

#[rds_query("SELECT id FROM test")]
async fn ids() -> Vec<i64>;

fn main() {}
