use lambda_kit::rds_query;

#[rds_query("SELECT id FROM test")]
struct Ids;

fn main() {}
