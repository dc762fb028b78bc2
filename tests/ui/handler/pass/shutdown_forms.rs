// `shutdown` may be sync or async and may return `()` or Result<(), E>; with
// `init` it takes the state, without `init` nothing.
pub struct Pool {
    pub name: String,
}

mod with_state_sync {
    use super::*;
    fn setup() -> Pool {
        Pool { name: "main".into() }
    }
    fn teardown(pool: &Pool) {
        tracing::info!("closing {}", pool.name);
    }
    #[lambda_kit::lambda_handler(init = setup, shutdown = teardown)]
    async fn handler(pool: &Pool) -> String {
        pool.name.clone()
    }
}

mod with_state_async_fallible {
    use super::*;
    async fn setup() -> Result<Pool, lambda_kit::Error> {
        Ok(Pool { name: "main".into() })
    }
    async fn teardown(pool: &Pool) -> Result<(), std::io::Error> {
        tracing::info!("closing {}", pool.name);
        Ok(())
    }
    // Any order; the handler need not take the state.
    #[lambda_kit::lambda_handler(shutdown = self::teardown, init = setup)]
    async fn handler(event: serde_json::Value) -> serde_json::Value {
        event
    }
}

mod without_init {
    async fn flush() {
        tracing::info!("flushed");
    }
    #[lambda_kit::lambda_handler(shutdown = flush)]
    async fn handler() -> &'static str {
        "ok"
    }
}

mod closure {
    #[lambda_kit::lambda_handler(init = || 42_u8, shutdown = |answer: &u8| assert_eq!(*answer, 42))]
    async fn handler(answer: &u8) -> u8 {
        *answer
    }
}

mod http {
    use lambda_kit::http::Query;
    fn teardown() {}
    #[derive(serde::Deserialize)]
    struct Q {
        name: String,
    }
    #[lambda_kit::lambda_handler(http, shutdown = teardown)]
    async fn greet(Query(q): Query<Q>) -> String {
        q.name
    }
}

// Hooks may have the names of the generated `main`'s locals: those are
// hygienic, so these paths still name the user's functions.
mod hooks_named_like_generated_locals {
    fn __serving() -> u8 {
        7
    }
    fn __init(seven: &u8) {
        assert_eq!(*seven, 7);
    }
    #[lambda_kit::lambda_handler(init = __serving, shutdown = __init)]
    async fn handler(seven: &u8) -> u8 {
        *seven
    }

    mod http {
        fn __serving() -> u8 {
            7
        }
        fn __init(_: &u8) {}
        #[lambda_kit::lambda_handler(http, init = __serving, shutdown = __init)]
        async fn greet() -> String {
            "hi".to_owned()
        }
    }
}

fn main() {}
