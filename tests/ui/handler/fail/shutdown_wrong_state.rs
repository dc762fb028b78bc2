struct Config;
struct Pool;

fn setup() -> Config {
    Config
}

fn teardown(pool: &Pool) {
    let _ = pool;
}

#[lambda_kit::lambda_handler(init = setup, shutdown = teardown)]
async fn handler(config: &Config) {
    let _ = config;
}
