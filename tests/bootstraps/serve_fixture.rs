//! The local server's bounds tests' bootstrap (tests/serve_limits.rs): a
//! body echo, a per-instance request counter, a large response, a request held until another
//! one releases it, and a response that cannot be serialized.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_kit::http::{get, post, router, Body, HeaderValue, Request, Response};
use tokio::sync::Notify;

pub struct State {
    /// Counts requests: their order shows when each was served.
    requests: AtomicU64,
    /// Holds `/wait` until `/release`.
    release: Notify,
}

fn setup() -> State {
    State {
        requests: AtomicU64::new(0),
        release: Notify::new(),
    }
}

#[get("/")]
fn root() -> &'static str {
    "root"
}

/// The request's number since the start.
#[get("/count")]
fn count(state: &State) -> String {
    (state.requests.fetch_add(1, Ordering::SeqCst) + 1).to_string()
}

/// The body's length.
#[post("/upload")]
fn upload(request: Request) -> String {
    request.body().as_ref().len().to_string()
}

/// A response larger than the kernel buffers a client that never reads.
#[get("/big")]
fn big() -> String {
    "x".repeat(BIG)
}

/// The size of `/big`'s body.
const BIG: usize = 16 * 1024 * 1024;

/// In flight until a `/release` request arrives.
#[get("/wait")]
async fn wait(state: &State) -> &'static str {
    state.release.notified().await;
    "released"
}

#[get("/release")]
fn release(state: &State) -> &'static str {
    state.release.notify_one();
    "ok"
}

/// A header value that is not text: valid HTTP, but the JSON response
/// document cannot hold it.
#[get("/unserializable")]
fn unserializable() -> Response {
    let mut response = Response::new(Body::Empty);
    response.headers_mut().insert(
        "x-raw",
        HeaderValue::from_bytes(b"\xff").expect("obs-text is a valid header value"),
    );
    response
}

router!(
    init = setup,
    root,
    count,
    upload,
    big,
    wait,
    release,
    unserializable
);
