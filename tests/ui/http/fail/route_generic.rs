use lambda_kit::http::{post, router, Json};

#[post("/items")]
async fn create<T: serde::de::DeserializeOwned>(Json(item): Json<T>) -> &'static str {
    let _ = item;
    "ok"
}

router!(create);
