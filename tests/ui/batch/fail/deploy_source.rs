// A batch handler's source fact must fit it: a queue for `sqs`, a stream
// for `kinesis` and `dynamodb`.
mod sqs {
    #[lambda_kit::lambda_handler(sqs, deploy(stream = "Orders", batch_size = 0))]
    async fn handler(order: serde_json::Value) {
        let _ = order;
    }
}

mod kinesis {
    #[lambda_kit::lambda_handler(kinesis, deploy(queue = "Clicks", trigger = "url"))]
    async fn handler(click: serde_json::Value) {
        let _ = click;
    }
}

mod sqs_limits {
    #[lambda_kit::lambda_handler(sqs, deploy(queue = "orders-queue", batch_size = 50))]
    async fn handler(order: serde_json::Value) {
        let _ = order;
    }
}

fn main() {}
