use lambda_kit::http::{get, router};

#[get("/items/x{id}")]
async fn show() -> &'static str {
    "{}"
}

router!(show);
