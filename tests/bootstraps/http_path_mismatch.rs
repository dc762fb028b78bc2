//! A routed bootstrap whose `Path` struct does not fit its pattern
//! (tests/http_e2e.rs): the field is `item_id`, the parameter `{id}`. It
//! compiles; the router refuses it at start-up, before any request.

use lambda_kit::http::{get, router, Path};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ItemPath {
    shop: String,
    item_id: u64,
}

#[get("/shops/{shop}/items/{id}")]
async fn item(Path(path): Path<ItemPath>) -> String {
    format!("{} {}", path.shop, path.item_id)
}

#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

router!(item, health);
