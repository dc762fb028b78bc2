use lambda_kit::rds;

#[derive(rds::FromRow)]
struct Row<T> {
    id: T,
}

fn main() {}
