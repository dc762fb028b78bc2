use lambda_kit::rds;

#[derive(rds::FromRow)]
struct Test {
    #[rds(column = "full_name")]
    name: String,
    #[rds(rename = full_name)]
    other: String,
}

fn main() {}
