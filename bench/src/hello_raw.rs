//! `hello` hand-written on `lambda_runtime::run(service_fn(...))`, the way
//! the runtime's own documentation writes it.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

fn main() -> Result<(), Error> {
    runtime()?.block_on(serve())
}

/// `#[tokio::main]` (multi-thread, the documented way) unless
/// `BENCH_FLAVOR=current_thread` asks for the runtime lambda-kit uses.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match std::env::var("BENCH_FLAVOR").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build()
}

async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>("Hello World!!")
    }))
    .await
}
