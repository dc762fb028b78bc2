// `deploy` written the wrong way: each at its token.
mod not_a_list {
    #[lambda_kit::lambda_handler(deploy = "memory=512")]
    async fn handler() {}
}

mod wrong_values {
    #[lambda_kit::lambda_handler(deploy(memory = "512", timeout, env = "STAGE=prod", database = true, batch_size = 5))]
    async fn handler() {}
}

mod twice {
    #[lambda_kit::lambda_handler(deploy(memory = 512), deploy(timeout = 30))]
    async fn handler() {}
}

fn main() {}
