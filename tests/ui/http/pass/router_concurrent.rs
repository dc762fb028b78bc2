//! `router!(concurrent, ..)`: a `Sync` state, routes with and without it.
mod function {
    use std::sync::atomic::{AtomicU64, Ordering};

    use lambda_kit::http::{get, router, Path};

    pub struct State {
        hits: AtomicU64,
    }

    fn setup() -> State {
        State {
            hits: AtomicU64::new(0),
        }
    }

    #[get("/hits")]
    async fn hits(state: &State) -> String {
        tokio::task::yield_now().await;
        state.hits.fetch_add(1, Ordering::Relaxed).to_string()
    }

    #[get("/items/{id}")]
    pub async fn item(Path(id): Path<u64>) -> String {
        id.to_string()
    }

    router!(init = setup, concurrent, hits, item);
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(function::item(lambda_kit::http::Path(7))),
        "7"
    );
}
