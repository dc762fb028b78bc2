#[lambda_kit::lambda_handler]
async fn handler(event: impl serde::de::DeserializeOwned) {
    let _ = event;
}
