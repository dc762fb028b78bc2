use lambda_kit::http::{get, router};
use lambda_kit::Context;

#[get("/items")]
async fn list(ctx: &Context, again: &Context) -> String {
    format!("{} {}", ctx.request_id, again.request_id)
}

router!(list);
