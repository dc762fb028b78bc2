use lambda_kit::http::{get, router};

#[get("/a/{p+}/b")]
async fn show() -> &'static str {
    "{}"
}

router!(show);
