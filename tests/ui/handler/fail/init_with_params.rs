struct Config;

fn setup(region: String) -> Config {
    let _ = region;
    Config
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler(config: &Config) {
    let _ = config;
}
