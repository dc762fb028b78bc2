use lambda_kit::Context;

#[lambda_kit::lambda_handler]
async fn handler(ctx: &Context, again: Context) -> String {
    format!("{} {}", ctx.request_id, again.request_id)
}
