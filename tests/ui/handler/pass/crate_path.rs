// `crate = "path"`: a crate that re-exports lambda-kit names it by that
// path, and the generated code reaches lambda-kit through it.
mod my_reexport {
    pub use lambda_kit;
}

use my_reexport::lambda_kit::Context;

fn setup() -> u32 {
    7
}

#[my_reexport::lambda_kit::lambda_handler(crate = "my_reexport::lambda_kit", init = setup)]
async fn handler(
    ctx: &Context,
    state: &u32,
) -> Result<String, my_reexport::lambda_kit::Error> {
    Ok(format!("{} {state}", ctx.request_id))
}

// The derive takes it too, inside its own attribute.
#[derive(Debug, my_reexport::lambda_kit::ErrorType)]
#[error_type(crate = "my_reexport::lambda_kit", name = "Reexported")]
struct Failure;

fn _named(failure: &Failure) -> &str {
    my_reexport::lambda_kit::ErrorType::error_type(failure)
}
