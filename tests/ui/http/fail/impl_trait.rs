#[lambda_kit::lambda_handler(http)]
async fn handler(body: impl serde::de::DeserializeOwned) -> &'static str {
    let _ = body;
    "ok"
}
