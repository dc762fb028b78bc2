use lambda_kit::http::{get, router, Path};

#[derive(serde::Deserialize)]
struct ItemPath {
    id: u64,
}

#[get("/items")]
async fn list(Path(path): Path<ItemPath>) -> String {
    path.id.to_string()
}

router!(list);
