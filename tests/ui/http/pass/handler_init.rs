//! `init` builds the state once per cold start; HTTP handlers borrow it as
//! `&State`, and may be plain (sync) functions.
use lambda_kit::http::{Json, Path, StatusCode};
use lambda_kit::{lambda_handler, Context};

pub struct Config {
    pub greeting: String,
}

mod sync_init {
    use super::*;
    fn setup() -> Config {
        Config {
            greeting: "hi".into(),
        }
    }
    #[lambda_handler(http, init = setup)]
    async fn handler(state: &Config, Path(name): Path<String>) -> String {
        format!("{} {name}", state.greeting)
    }
}

mod async_fallible_init {
    use super::*;
    async fn setup() -> Result<Config, lambda_kit::Error> {
        Ok(Config {
            greeting: "hi".into(),
        })
    }
    // `init` before `http` works as well.
    #[lambda_handler(init = setup, http)]
    async fn handler(ctx: &Context, state: &Config) -> String {
        format!("{} {}", state.greeting, ctx.request_id)
    }
}

mod closure_init {
    #[lambda_kit::lambda_handler(http, init = || 42_u8)]
    async fn handler(answer: &u8) -> String {
        answer.to_string()
    }
}

mod sync_fn {
    #[lambda_kit::lambda_handler(http)]
    fn handler() -> lambda_kit::http::StatusCode {
        lambda_kit::http::StatusCode::NO_CONTENT
    }
}

mod sync_fn_with_state {
    use super::*;
    fn setup() -> Config {
        Config {
            greeting: "hello".into(),
        }
    }
    #[lambda_handler(http, init = setup)]
    fn handler(Json(name): Json<String>, state: &Config) -> (StatusCode, String) {
        (StatusCode::CREATED, format!("{} {name}", state.greeting))
    }
}

fn main() {}
