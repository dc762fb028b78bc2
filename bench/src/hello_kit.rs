//! `hello` through `#[lambda_handler]` (same body as examples/hello.rs).

#[lambda_kit::lambda_handler]
async fn hello() -> &'static str {
    "Hello World!!"
}
