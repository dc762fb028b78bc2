// `#[lambda_handler(sqs, concurrent)]`: records handled with a `Send` future.
mod sqs {
    #[derive(serde::Deserialize)]
    struct Order {
        id: u64,
    }

    #[lambda_kit::lambda_handler(sqs, concurrent)]
    async fn handler(order: Order) -> Result<(), lambda_kit::Error> {
        tokio::task::yield_now().await;
        if order.id == 0 {
            return Err(lambda_kit::Error::msg("no id"));
        }
        Ok(())
    }
}

fn main() {}
