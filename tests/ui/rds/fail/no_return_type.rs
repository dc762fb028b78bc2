use lambda_kit::rds_query;

#[rds_query("DELETE FROM test")]
async fn clear();

fn main() {}
