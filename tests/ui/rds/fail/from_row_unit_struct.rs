use lambda_kit::rds;

#[derive(rds::FromRow)]
struct Nothing;

fn main() {}
