use lambda_kit::http::Json;

#[lambda_kit::lambda_handler(http)]
async fn handler<T: serde::de::DeserializeOwned>(Json(body): Json<T>) -> &'static str {
    let _ = body;
    "ok"
}
