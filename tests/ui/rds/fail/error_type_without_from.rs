use lambda_kit::rds_query;

#[derive(Debug)]
struct MyError;

#[rds_query("SELECT id FROM test")]
async fn ids() -> Result<Vec<i64>, MyError>;

fn main() {}
