#[lambda_kit::lambda_handler(timeout = 30, name)]
async fn handler() {}
