use lambda_kit::http::{get, router, Path};

#[get("/shops/{shop}/items/{id}")]
async fn item(Path(id): Path<u64>) -> String {
    id.to_string()
}

router!(item);
