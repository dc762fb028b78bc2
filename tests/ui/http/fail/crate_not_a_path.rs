// `crate` takes lambda-kit's path as a string, on routes and `router!` too.
use lambda_kit::http::{get, router};

#[get("/items", crate = lambda_kit)]
async fn list() -> &'static str {
    "[]"
}

mod routed {
    use lambda_kit::http::router;
    router!(crate = "lambda-kit", super::list);
}

router!(crate = lambda_kit, list);
