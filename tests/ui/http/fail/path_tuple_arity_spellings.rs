// The check follows `Path` by its trait, not its name: a full path and a
// renamed import are checked too.
use lambda_kit::http::{put, router, Path as Params};

#[put("/shops/{shop}/items/{id}")]
async fn replace(Params((id,)): Params<(u64,)>) -> String {
    id.to_string()
}

#[put("/items/{id}")]
async fn rename(
    lambda_kit::http::Path((a, b, c)): lambda_kit::http::Path<(String, u32, u8)>,
) -> String {
    format!("{a} {b} {c}")
}

router!(replace, rename);
