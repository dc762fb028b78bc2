//! `crate = "path"` on `#[lambda_handler(http)]`, the route attributes and
//! `router!`, for a crate that re-exports lambda-kit.
mod my_reexport {
    pub use lambda_kit;
}

mod handler {
    use crate::my_reexport::lambda_kit::http::Path;

    #[crate::my_reexport::lambda_kit::lambda_handler(http, crate = "crate::my_reexport::lambda_kit")]
    async fn handler(Path(name): Path<String>) -> String {
        format!("hi {name}")
    }
}

mod routed {
    use crate::my_reexport::lambda_kit::http::{get, post, router, Json, Path};

    pub struct Db;

    fn setup() -> Db {
        Db
    }

    #[get("/items/{id}", crate = "crate::my_reexport::lambda_kit")]
    pub async fn show(Path(id): Path<u64>, _db: &Db) -> String {
        id.to_string()
    }

    #[post("/items", crate = "crate::my_reexport::lambda_kit",)]
    async fn create(Json(name): Json<String>) -> String {
        name
    }

    router!(crate = "crate::my_reexport::lambda_kit", init = setup, show, create);
}

fn main() {}
