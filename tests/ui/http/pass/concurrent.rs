// `#[lambda_handler(http, concurrent)]`: extractors and a `Sync` state.
mod with_state {
    use lambda_kit::http::{Json, Path};
    use std::sync::atomic::{AtomicU64, Ordering};

    pub struct State {
        pub hits: AtomicU64,
    }

    fn setup() -> State {
        State {
            hits: AtomicU64::new(0),
        }
    }

    #[lambda_kit::lambda_handler(http, init = setup, concurrent)]
    async fn handler(state: &State, Path(id): Path<u64>) -> Json<u64> {
        tokio::task::yield_now().await;
        Json(id + state.hits.fetch_add(1, Ordering::Relaxed))
    }
}

mod stateless {
    #[lambda_kit::lambda_handler(http, concurrent)]
    async fn handler() -> &'static str {
        "ok"
    }
}

fn main() {}
