struct Reply {
    message: String,
}

#[lambda_kit::lambda_handler(http)]
async fn handler() -> Reply {
    Reply {
        message: "hi".into(),
    }
}
