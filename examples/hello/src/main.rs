//! The documented hello-world handler: no input, returns "Hello World!!".
//!
//! Locally: `cargo run --bin hello`. Deployed: `cargo lambda build --release --bin hello`.

use lambda_kit::lambda_handler;

#[lambda_handler]
async fn hello() -> &'static str {
    "Hello World!!"
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn says_hello() {
        assert_eq!(super::hello().await, "Hello World!!");
    }
}
