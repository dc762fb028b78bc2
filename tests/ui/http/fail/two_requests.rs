use lambda_kit::http::Request;

#[lambda_kit::lambda_handler(http)]
async fn handler(request: Request, again: Request) -> String {
    format!("{} {}", request.uri(), again.uri())
}
