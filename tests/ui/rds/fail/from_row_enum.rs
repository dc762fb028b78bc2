use lambda_kit::rds;

#[derive(rds::FromRow)]
enum Status {
    Active,
    Closed,
}

fn main() {}
