#[lambda_kit::lambda_handler(shutdown)]
async fn handler() {}
