use lambda_kit::http::{get, router, Path};

// The pattern has one parameter; the tuple (and the binding) take two.
#[get("/items/{id}")]
async fn show(Path((shop, id)): Path<(String, u32)>) -> String {
    format!("{shop} {id}")
}

router!(show);
