use lambda_kit::http::{get, router};

pub struct Db;

fn setup() -> Db {
    Db
}

#[get("/items", init = setup)]
async fn list(_db: &Db) -> &'static str {
    "[]"
}

router!(list);
