// `crate` takes lambda-kit's path as a string.
use lambda_kit::rds::{self, FromRow};
use lambda_kit::rds_query;

#[rds_query("SELECT 1", crate = lambda_kit)]
async fn one() -> Result<i64, rds::Error>;

#[derive(FromRow)]
#[rds(crate = "lambda-kit")]
struct Row {
    id: i64,
}

#[derive(FromRow)]
#[rds(rename = "x")]
struct Misplaced {
    id: i64,
}

fn main() {}
