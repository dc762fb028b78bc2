use lambda_kit::http::{get, router, Path};

#[get("/shops/{id}/items/{id}")]
async fn show(Path((shop, item)): Path<(u64, u64)>) -> String {
    format!("{shop} {item}")
}

router!(show);
