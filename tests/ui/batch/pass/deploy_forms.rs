// `deploy(...)` on each kind of handler, every fact it takes; each form in
// a module of its own (each expands to a `main`).
mod plain {
    #[lambda_kit::lambda_handler(deploy(
        memory = 512,
        timeout = 30,
        architecture = "arm64",
        env(STAGE = "prod", TABLE = "${OrdersTable}"),
        database
    ))]
    async fn handler(event: serde_json::Value) -> serde_json::Value {
        event
    }
}

mod sqs {
    #[lambda_kit::lambda_handler(
        sqs,
        deploy(
            queue = "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders",
            batch_size = 10,
            env(TZ = "Europe/Berlin", AWS_LAMBDA_EXEC_WRAPPER = "/opt/wrapper")
        )
    )]
    async fn handler(order: serde_json::Value) {
        let _ = order;
    }
}

mod kinesis {
    #[lambda_kit::lambda_handler(
        kinesis,
        deploy(stream = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks")
    )]
    async fn handler(click: serde_json::Value) {
        let _ = click;
    }
}

mod dynamodb {
    // No stream named: the template gets a parameter for it.
    #[lambda_kit::lambda_handler(dynamodb, deploy(timeout = 60))]
    async fn handler(change: lambda_kit::events::Change<serde_json::Value>) {
        let _ = change;
    }
}

fn main() {}
