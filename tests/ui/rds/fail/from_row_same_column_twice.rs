use lambda_kit::rds;

#[derive(rds::FromRow)]
struct Test {
    name: String,
    #[rds(rename = "name")]
    display_name: String,
}

fn main() {}
