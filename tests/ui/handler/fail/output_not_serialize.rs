struct Reply {
    text: String,
}

#[lambda_kit::lambda_handler]
async fn handler() -> Reply {
    Reply { text: "hi".into() }
}
