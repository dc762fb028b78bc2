//! Everything an HTTP handler may return.
use lambda_kit::http::{HttpError, Json, Response, ResponseError, StatusCode};
use lambda_kit::{lambda_handler, rds};
use serde::Serialize;

#[derive(Serialize)]
pub struct Item {
    pub id: u64,
}

mod json {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> Json<Item> {
        Json(Item { id: 1 })
    }
}

mod status_and_json {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> (StatusCode, Json<Item>) {
        (StatusCode::CREATED, Json(Item { id: 1 }))
    }
}

mod status_headers_json {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> (StatusCode, [(&'static str, String); 1], Json<Item>) {
        let location = "/items/1".to_owned();
        (
            StatusCode::CREATED,
            [("location", location)],
            Json(Item { id: 1 }),
        )
    }
}

mod string {
    #[lambda_kit::lambda_handler(http)]
    async fn handler() -> String {
        "text".to_owned()
    }
}

mod static_str {
    #[lambda_kit::lambda_handler(http)]
    async fn handler() -> &'static str {
        "text"
    }
}

mod bytes {
    #[lambda_kit::lambda_handler(http)]
    async fn handler() -> Vec<u8> {
        vec![0, 1, 2]
    }
}

mod status {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> StatusCode {
        StatusCode::ACCEPTED
    }
}

mod unit {
    // 204 No Content.
    #[lambda_kit::lambda_handler(http)]
    async fn handler() {}
}

mod unit_explicit {
    #[lambda_kit::lambda_handler(http)]
    async fn handler() -> () {}
}

mod response {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> Response {
        let mut response = Response::new("moved".into());
        *response.status_mut() = StatusCode::SEE_OTHER;
        response
    }
}

mod http_error {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> Result<Json<Item>, HttpError> {
        Err(HttpError::not_found("no item 7"))
    }
}

mod kit_error {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> Result<String, lambda_kit::Error> {
        Err(lambda_kit::Error::msg("no"))
    }
}

mod rds_error {
    use super::*;
    #[lambda_handler(http)]
    async fn handler() -> Result<(StatusCode, Json<Item>), rds::Error> {
        Ok((StatusCode::OK, Json(Item { id: 1 })))
    }
}

mod own_error {
    use super::*;

    #[derive(Debug)]
    pub struct MyError;

    impl std::fmt::Display for MyError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("teapot")
        }
    }

    impl ResponseError for MyError {
        fn status(&self) -> StatusCode {
            StatusCode::IM_A_TEAPOT
        }
    }

    #[lambda_handler(http)]
    async fn handler() -> Result<StatusCode, MyError> {
        Err(MyError)
    }
}

mod default_status_error {
    use super::*;

    #[derive(Debug)]
    pub struct Failed;

    impl std::fmt::Display for Failed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("failed")
        }
    }

    // 500 unless `status` is overridden.
    impl ResponseError for Failed {}

    #[lambda_handler(http)]
    fn handler() -> Result<(), Failed> {
        Err(Failed)
    }
}

fn main() {}
