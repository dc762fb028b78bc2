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

fn main() {}
