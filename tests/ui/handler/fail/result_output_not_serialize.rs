struct Reply {
    text: String,
}

#[lambda_kit::lambda_handler]
async fn handler() -> Result<Reply, lambda_kit::Error> {
    Ok(Reply { text: "hi".into() })
}
