use lambda_kit::http::{get, router};

pub struct Db;

#[get("/items")]
async fn list(_db: &Db) -> &'static str {
    "[]"
}

router!(list);
