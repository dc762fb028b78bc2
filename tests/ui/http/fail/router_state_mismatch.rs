use lambda_kit::http::{get, router};

pub struct Db;
pub struct Cache;

fn setup() -> Db {
    Db
}

#[get("/items")]
async fn list(_db: &Db) -> &'static str {
    "[]"
}

#[get("/cached")]
async fn cached(_cache: &Cache) -> &'static str {
    "[]"
}

router!(init = setup, list, cached);
