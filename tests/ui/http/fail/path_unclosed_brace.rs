use lambda_kit::http::{get, router};

#[get("/items/{id")]
async fn show() -> &'static str {
    "{}"
}

router!(show);
