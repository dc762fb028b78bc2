// `deploy(...)` on HTTP functions: a single handler with a Function URL,
// and a router attached to a hand-written HTTP API.
mod single {
    #[lambda_kit::lambda_handler(http, deploy(trigger = "public_url", memory = 256))]
    async fn handler() -> &'static str {
        "hello"
    }
}

mod routed {
    use lambda_kit::http::{get, router};

    #[get("/items")]
    async fn list() -> &'static str {
        "[]"
    }

    router!(deploy(api = "ItemsHttpApi", trigger = "rest_api", database), list);
}

fn main() {}
