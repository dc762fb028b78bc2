use lambda_kit::http::{get, router};

#[get("/items")]
async fn list() -> &'static str {
    "[]"
}

async fn show() -> &'static str {
    "{}"
}

router!(list, show);
