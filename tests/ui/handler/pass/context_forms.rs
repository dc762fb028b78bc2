mod by_ref {
    use lambda_kit::{lambda_handler, Context};

    #[lambda_handler]
    async fn handler(ctx: &Context) -> String {
        ctx.request_id.clone()
    }
}

mod by_value {
    #[lambda_kit::lambda_handler]
    fn handler(event: String, ctx: lambda_kit::Context) -> (String, String) {
        (event, ctx.request_id)
    }
}

fn main() {}
