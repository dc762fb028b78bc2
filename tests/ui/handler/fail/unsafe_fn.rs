#[lambda_kit::lambda_handler]
unsafe fn handler() {}
