#[lambda_kit::lambda_handler]
async fn handler<T: serde::de::DeserializeOwned>(event: T) -> String {
    let _ = event;
    String::new()
}
