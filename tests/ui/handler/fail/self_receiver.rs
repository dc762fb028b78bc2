struct Service;

impl Service {
    #[lambda_kit::lambda_handler]
    async fn handle(&self, event: String) -> String {
        event
    }
}

fn main() {}
