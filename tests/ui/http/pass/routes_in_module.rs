//! Routes defined in modules and listed by path; a router without `init`.
mod api {
    use lambda_kit::http::{get, post, Json, Path};

    #[get("/items")]
    pub async fn list() -> Json<Vec<u64>> {
        Json(vec![1, 2])
    }

    #[get("/items/{id}")]
    pub async fn show(Path(id): Path<u64>) -> Json<u64> {
        Json(id)
    }

    #[post("/items")]
    pub async fn create(Json(ids): Json<Vec<u64>>) -> String {
        format!("{ids:?}")
    }

    pub mod admin {
        #[lambda_kit::http::post("/admin/reset")]
        pub fn reset() -> lambda_kit::http::StatusCode {
            lambda_kit::http::StatusCode::NO_CONTENT
        }
    }
}

mod function {
    use super::api;

    #[lambda_kit::http::get("/health")]
    fn health() {}

    lambda_kit::http::router!(
        api::list,
        api::show,
        api::create,
        api::admin::reset,
        self::health
    );
}

mod two_routes {
    lambda_kit::http::router!(super::api::list, super::api::show);
}

fn main() {}
