// Every kind of owned event type: structs, JSON values, options, strings,
// numbers, collections and aws_lambda_events types.
mod structs {
    #[derive(serde::Deserialize)]
    pub struct Order {
        pub id: u64,
    }

    #[lambda_kit::lambda_handler]
    async fn handler(order: Order) -> u64 {
        order.id
    }
}

mod values {
    #[lambda_kit::lambda_handler]
    fn handler(event: Option<serde_json::Value>) -> bool {
        event.is_some()
    }
}

mod strings {
    #[lambda_kit::lambda_handler]
    fn handler(name: String) -> String {
        format!("Hello {name}")
    }
}

mod numbers {
    #[lambda_kit::lambda_handler]
    fn handler(n: f64) -> f64 {
        n * 2.0
    }
}

mod collections {
    #[lambda_kit::lambda_handler]
    fn handler(items: Vec<(String, i32)>) -> std::collections::BTreeMap<String, i32> {
        items.into_iter().collect()
    }
}

mod aws_events {
    use aws_lambda_events::event::sqs::SqsEvent;

    #[lambda_kit::lambda_handler]
    async fn handler(event: SqsEvent) -> usize {
        event.records.len()
    }
}

fn main() {}
