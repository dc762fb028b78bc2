struct Config;

#[lambda_kit::lambda_handler]
async fn handler(event: String, config: &Config) -> String {
    let _ = config;
    event
}
