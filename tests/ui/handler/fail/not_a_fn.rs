#[lambda_kit::lambda_handler]
struct Handler;
