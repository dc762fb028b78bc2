use lambda_kit::http::{get, router, Path};

#[get("/items/{id}")]
async fn by_id(Path(id): Path<u64>) -> String {
    id.to_string()
}

#[get("/items/{key}/")]
async fn by_key(Path(key): Path<String>) -> String {
    key
}

router!(by_id, by_key);
