//! `router!` with a `shutdown` hook, given the init state.
mod function {
    use lambda_kit::http::{get, router};

    pub struct Db {
        pub name: String,
    }

    fn setup() -> Db {
        Db { name: "main".into() }
    }

    async fn teardown(db: &Db) -> Result<(), lambda_kit::Error> {
        tracing::info!("closing {}", db.name);
        Ok(())
    }

    #[get("/")]
    async fn root(db: &Db) -> String {
        db.name.clone()
    }

    router!(init = setup, shutdown = teardown, root);
}

fn main() {}
