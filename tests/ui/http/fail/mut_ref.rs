use lambda_kit::http::HeaderMap;

#[lambda_kit::lambda_handler(http)]
async fn handler(headers: &mut HeaderMap) -> String {
    headers.len().to_string()
}
