use lambda_kit::rds;

struct Email(String);

#[derive(rds::FromRow)]
struct Test {
    id: i64,
    email: Email,
}

fn main() {}
