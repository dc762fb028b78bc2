use lambda_kit::http::{get, router};

#[get("/items//all")]
async fn list() -> &'static str {
    "[]"
}

router!(list);
