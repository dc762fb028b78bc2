fn a() {}
fn b() {}

#[lambda_kit::lambda_handler(shutdown = a, shutdown = b)]
async fn handler() {}
