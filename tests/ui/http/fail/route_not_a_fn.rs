use lambda_kit::http::get;

#[get("/items")]
struct Items;

fn main() {}
