struct Pool;

fn teardown(pool: &Pool) {
    let _ = pool;
}

#[lambda_kit::lambda_handler(shutdown = teardown)]
async fn handler() {}
