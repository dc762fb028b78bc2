// `concurrent`: handlers whose state, event, output and future can move
// between threads compile, with or without a state, async or not.
mod plain {
    #[lambda_kit::lambda_handler(concurrent)]
    async fn handler(event: serde_json::Value) -> serde_json::Value {
        event
    }
}

mod with_state {
    use std::sync::Mutex;

    pub struct State {
        pub hits: Mutex<u64>,
    }

    fn setup() -> State {
        State {
            hits: Mutex::new(0),
        }
    }

    #[lambda_kit::lambda_handler(init = setup, concurrent)]
    async fn handler(state: &State, ctx: lambda_kit::Context) -> Result<String, lambda_kit::Error> {
        *state.hits.lock().unwrap() += 1;
        tokio::task::yield_now().await;
        Ok(ctx.request_id)
    }
}

mod sync_fn {
    #[lambda_kit::lambda_handler(concurrent)]
    fn handler(n: u32) -> u32 {
        n + 1
    }
}

mod impl_output {
    #[lambda_kit::lambda_handler(concurrent)]
    async fn handler() -> Result<impl serde::Serialize, std::io::Error> {
        Ok(1)
    }
}

fn main() {}
