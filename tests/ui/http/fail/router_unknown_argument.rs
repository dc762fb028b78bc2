use lambda_kit::http::{get, router};

#[get("/items")]
async fn list() -> &'static str {
    "[]"
}

router!(foo = 1, list);
