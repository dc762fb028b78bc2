use lambda_kit::http::{get, router};

#[get]
async fn list() -> &'static str {
    "[]"
}

router!(list);
