#[lambda_kit::lambda_handler(shutdown = "teardown")]
async fn handler() {}
