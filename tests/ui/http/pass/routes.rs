//! Every route attribute, path parameters (one, a tuple, a struct, a greedy
//! tail), routes with and without the init state, and `router!` with
//! `init`.
mod function {
    use lambda_kit::http::{
        delete, get, patch, post, put, router, HttpError, Json, Path, Query, StatusCode,
    };
    use lambda_kit::Context;
    use serde::{Deserialize, Serialize};

    pub struct Db {
        pub name: String,
    }

    #[derive(Deserialize, Serialize)]
    pub struct Item {
        pub name: String,
    }

    #[derive(Deserialize)]
    pub struct ItemPath {
        pub shop: String,
        pub id: u64,
    }

    #[derive(Deserialize)]
    pub struct Page {
        pub limit: Option<u32>,
    }

    // No state: fits any router.
    #[get("/")]
    async fn root() -> &'static str {
        "ok"
    }

    #[get("/items")]
    async fn list(Query(page): Query<Page>, db: &Db) -> String {
        format!("{} {:?}", db.name, page.limit)
    }

    #[get("/items/{id}")]
    async fn show(Path(id): Path<u64>) -> Result<Json<Item>, HttpError> {
        Err(HttpError::not_found(format!("no item {id}")))
    }

    #[post("/items")]
    async fn create(
        Json(item): Json<Item>,
        db: &Db,
    ) -> (StatusCode, [(&'static str, String); 1], Json<Item>) {
        let location = format!("/{}/items/1", db.name);
        (StatusCode::CREATED, [("location", location)], Json(item))
    }

    #[put("/shops/{shop}/items/{id}")]
    async fn replace(Path((shop, id)): Path<(String, u64)>, Json(item): Json<Item>) -> String {
        format!("{shop} {id} {}", item.name)
    }

    #[patch("/shops/{shop}/items/{id}/")]
    fn rename(Path(path): Path<ItemPath>, ctx: &Context) -> String {
        format!("{} {} {}", path.shop, path.id, ctx.request_id)
    }

    #[delete("/items/{id}")]
    pub async fn remove(Path(id): Path<u64>) -> StatusCode {
        let _ = id;
        StatusCode::NO_CONTENT
    }

    #[get("/files/{path+}")]
    async fn file(Path(path): Path<String>) -> Vec<u8> {
        path.into_bytes()
    }

    // A literal segment beside a parameter, and the same pattern under
    // another method, are different routes.
    #[get("/items/new")]
    async fn new_form() -> &'static str {
        "form"
    }

    fn setup() -> Db {
        Db {
            name: "shop".into(),
        }
    }

    router!(
        init = setup,
        root,
        list,
        show,
        create,
        replace,
        rename,
        remove,
        file,
        new_form,
    );
}

// A route stays a plain function a test can call.
fn main() {
    use lambda_kit::http::{Path, StatusCode};
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(function::remove(Path(7))),
        StatusCode::NO_CONTENT
    );
}
