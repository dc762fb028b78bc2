struct Config;

fn setup() -> Config {
    Config
}

#[lambda_kit::lambda_handler(init = "setup")]
async fn handler(config: &Config) {
    let _ = config;
}
