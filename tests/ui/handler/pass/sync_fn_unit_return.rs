mod handler {
    #[lambda_kit::lambda_handler]
    pub(crate) fn record(_event: serde_json::Value) {}
}

fn main() {}
