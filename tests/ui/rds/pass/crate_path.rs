//! `crate = "path"` on `#[rds_query]` and `#[derive(FromRow)]`, for a
//! crate that re-exports lambda-kit.
mod my_reexport {
    pub use lambda_kit;
}

use my_reexport::lambda_kit::rds::{self, FromRow};
use my_reexport::lambda_kit::rds_query;

#[derive(FromRow)]
#[rds(crate = "my_reexport::lambda_kit")]
pub struct Named {
    pub id: i64,
    #[rds(rename = "full_name")]
    pub name: String,
}

#[derive(FromRow)]
#[rds(crate = "crate::my_reexport::lambda_kit")]
pub struct Positional(pub i64, pub Option<String>);

#[rds_query("SELECT id, full_name FROM people WHERE id = :id", crate = "my_reexport::lambda_kit")]
pub async fn named(id: i64) -> Result<Option<Named>, rds::Error>;

#[rds_query("SELECT id, email FROM people", crate = "my_reexport::lambda_kit",)]
pub async fn positional(pool: &rds::Pool) -> Result<Vec<Positional>, rds::Error>;

fn main() {
    drop(named(1));
    let pool = rds::Pool::new(rds::Config::new("127.0.0.1")).unwrap();
    drop(positional(&pool));
}
