struct Config;
struct Pool;

fn setup() -> Config {
    Config
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler(config: &Config, pool: &Pool) {
    let _ = (config, pool);
}
