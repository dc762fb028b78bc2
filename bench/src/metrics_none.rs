//! `hello` in the bench package, lambda-kit's `metrics` feature on,
//! recording no metric: the baseline of bench_metrics_ten.

use lambda_kit::lambda_handler;

#[lambda_handler]
async fn hello() -> &'static str {
    "Hello World!!"
}
