use lambda_kit::http::{get, router};

const PATH: &str = "/items";

#[get(PATH)]
async fn list() -> &'static str {
    "[]"
}

router!(list);
