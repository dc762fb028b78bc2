// `init` may be sync or async and may return the state or Result<state, E>;
// the handler takes event, context and state in any order.
use lambda_kit::Context;

pub struct Config {
    pub greeting: String,
}

mod sync_plain {
    use super::*;
    fn setup() -> Config {
        Config { greeting: "hi".into() }
    }
    #[lambda_kit::lambda_handler(init = setup)]
    fn handler(state: &Config, name: String) -> String {
        format!("{} {name}", state.greeting)
    }
}

mod sync_fallible {
    use super::*;
    fn setup() -> Result<Config, std::env::VarError> {
        Ok(Config { greeting: std::env::var("GREETING")? })
    }
    #[lambda_kit::lambda_handler(init = setup)]
    async fn handler(ctx: &Context, state: &Config, name: String) -> String {
        format!("{} {name} {}", state.greeting, ctx.request_id)
    }
}

mod async_plain {
    use super::*;
    async fn setup() -> Config {
        Config { greeting: "hi".into() }
    }
    #[lambda_kit::lambda_handler(init = setup)]
    async fn handler(name: String, state: &Config, _ctx: Context) -> String {
        format!("{} {name}", state.greeting)
    }
}

mod async_fallible {
    use super::*;
    async fn setup() -> Result<Config, lambda_kit::Error> {
        Ok(Config { greeting: "hi".into() })
    }
    #[lambda_kit::lambda_handler(init = self::setup)]
    async fn handler(state: &Config) -> String {
        state.greeting.clone()
    }
}

mod side_effect_only {
    fn setup() {
        tracing::info!("Loading function");
    }
    #[lambda_kit::lambda_handler(init = setup)]
    async fn handler(event: serde_json::Value) -> serde_json::Value {
        event
    }
}

mod closure {
    #[lambda_kit::lambda_handler(init = || 42_u8)]
    async fn handler(answer: &u8) -> u8 {
        *answer
    }
}

fn main() {}
