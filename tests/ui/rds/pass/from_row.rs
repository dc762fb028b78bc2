//! `#[derive(rds::FromRow)]` forms, and rows read through them.
use lambda_kit::rds::{self, FromRow};
use lambda_kit::rds_query;

#[derive(FromRow)]
pub struct Named {
    pub id: i64,
    #[rds(rename = "full_name")]
    pub name: String,
    pub email: Option<String>,
    pub r#type: u8,
}

#[derive(rds::FromRow)]
pub struct Positional(pub i64, pub Option<String>);

#[derive(lambda_kit::rds::FromRow)]
pub struct One {
    pub total: u64,
}

#[rds_query("SELECT id, full_name, email, `type` FROM people")]
pub async fn named() -> Result<Vec<Named>, rds::Error>;

#[rds_query("SELECT id, email FROM people")]
pub async fn positional() -> Result<Vec<Positional>, rds::Error>;

#[rds_query("SELECT COUNT(*) AS total FROM people")]
pub async fn one() -> Result<One, rds::Error>;

fn main() {
    let shape = Named::shape();
    assert!(shape.is_by_name());
    let columns: Vec<_> = shape.fields().iter().map(|f| (f.name().unwrap(), f.is_nullable())).collect();
    assert_eq!(columns, [("id", false), ("full_name", false), ("email", true), ("type", false)]);
    assert_eq!(Positional::shape().fields().len(), 2);
    drop((named(), positional(), one()));
}
