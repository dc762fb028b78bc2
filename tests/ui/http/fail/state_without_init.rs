pub struct Config {
    greeting: String,
}

#[lambda_kit::lambda_handler(http)]
async fn handler(config: &Config) -> String {
    config.greeting.clone()
}
