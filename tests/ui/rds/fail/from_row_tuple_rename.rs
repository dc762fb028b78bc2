use lambda_kit::rds;

#[derive(rds::FromRow)]
struct Pair(#[rds(rename = "id")] i64, String);

fn main() {}
