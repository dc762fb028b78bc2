use lambda_kit::http::Json;

#[lambda_kit::lambda_handler(http, http)]
async fn handler(Json(name): Json<String>) -> String {
    name
}
