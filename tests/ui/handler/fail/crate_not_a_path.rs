// `crate` takes lambda-kit's path as a string.
#[lambda_kit::lambda_handler(crate = lambda_kit)]
async fn handler() {}

mod not_a_path {
    #[lambda_kit::lambda_handler(crate = "lambda kit")]
    async fn handler() {}
}
