// HTTP triggers: a known trigger, an API's logical id, and no API for a
// Function URL.
mod unknown_trigger {
    #[lambda_kit::lambda_handler(http, deploy(trigger = "alb", api = "Items-Api"))]
    async fn handler() -> &'static str {
        "hello"
    }
}

mod url_with_api {
    use lambda_kit::http::{get, router};

    #[get("/items")]
    async fn list() -> &'static str {
        "[]"
    }

    router!(deploy(trigger = "url", api = "ItemsHttpApi", queue = "Q"), list);
}

fn main() {}
