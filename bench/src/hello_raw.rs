//! `hello` hand-written on `lambda_runtime::run(service_fn(...))`, the way
//! the runtime's own documentation writes it.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>("Hello World!!")
    }))
    .await
}
