// The annotated function stays an ordinary function a unit test can call.
mod function {
    use lambda_kit::{lambda_handler, Context};

    #[lambda_handler]
    pub async fn greet(name: String, ctx: &Context) -> String {
        format!("Hello {name} from {}", ctx.env_config.function_name)
    }
}

fn main() {
    let mut ctx = lambda_kit::Context::default();
    ctx.request_id = "test".into();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let greeting = rt.block_on(function::greet("Ann".into(), &ctx));
    assert_eq!(greeting, "Hello Ann from ");
}
