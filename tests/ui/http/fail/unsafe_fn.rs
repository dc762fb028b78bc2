#[lambda_kit::lambda_handler(http)]
unsafe fn handler() -> &'static str {
    "ok"
}
