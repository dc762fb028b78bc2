#[lambda_kit::lambda_handler(concurrent = true, concurrent)]
async fn handler(n: u32) -> u32 {
    n
}
