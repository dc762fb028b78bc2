// A parameter that is no extractor is reported once, though the route
// also checks its extractors against the pattern.
use lambda_kit::http::{get, router};

struct Wrapper<T>(T);

#[get("/items")]
async fn list(Wrapper((a, b)): Wrapper<(u8, u8)>) -> String {
    format!("{a} {b}")
}

router!(list);
