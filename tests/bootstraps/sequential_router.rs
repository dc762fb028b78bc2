//! A `router!` bootstrap with one route whose future is not `Send`: under
//! `AWS_LAMBDA_MAX_CONCURRENCY` it serves one invocation at a time and
//! names that route at startup.

use std::rc::Rc;

use lambda_kit::http::router;

#[lambda_kit::http::get("/ping")]
async fn ping() -> &'static str {
    "pong"
}

#[lambda_kit::http::get("/local")]
async fn local() -> String {
    let shared = Rc::new("local".to_owned());
    tokio::task::yield_now().await;
    shared.to_string()
}

router!(ping, local);
