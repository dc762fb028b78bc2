// Every mistake in `deploy(...)` of a plain handler at once, each at its
// token with what to write instead.
#[lambda_kit::lambda_handler(deploy(
    memory = 64,
    timeout = 0,
    architecture = "arm",
    env(AWS_REGION = "eu-west-1", STAGE = "prod", STAGE = "dev", RDS_HOSTNAME = "db", A = "x"),
    database,
    queue = "OrdersQueue",
    batch_size = 10,
    trigger = "url",
    api = "ItemsApi",
    memroy = 512
))]
async fn handler(event: serde_json::Value) -> serde_json::Value {
    event
}
