use lambda_kit::http::Json;

struct Reply {
    message: String,
}

#[lambda_kit::lambda_handler(http)]
async fn handler() -> Result<Json<Reply>, lambda_kit::Error> {
    Ok(Json(Reply {
        message: "hi".into(),
    }))
}
