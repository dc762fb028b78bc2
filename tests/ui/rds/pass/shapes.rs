//! Every result shape, on the process-wide pool.
use lambda_kit::{rds, rds_query};

#[derive(Debug, rds::FromRow)]
pub struct Test {
    pub id: i64,
    pub name: String,
}

#[rds_query("SELECT id, name FROM test WHERE name = :name")]
pub async fn all(name: &str) -> Result<Vec<Test>, rds::Error>;

#[rds_query("SELECT id, name FROM test WHERE id = :id")]
pub async fn first(id: i64) -> Result<Option<Test>, rds::Error>;

#[rds_query("SELECT id, name FROM test WHERE id = :id")]
pub async fn exactly_one(id: i64) -> Result<Test, rds::Error>;

#[rds_query("SELECT id, name FROM test")]
pub async fn tuples() -> Result<Vec<(i64, String)>, rds::Error>;

#[rds_query("SELECT name FROM test")]
pub async fn scalars() -> Result<Vec<String>, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test")]
pub async fn count() -> Result<u64, rds::Error>;

#[rds_query("SELECT email FROM test WHERE id = ?")]
pub async fn nullable(id: i64) -> Result<Option<Option<String>>, rds::Error>;

#[rds_query("UPDATE test SET name = :name WHERE id = :id")]
pub async fn affected(id: i64, name: &str) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (?)")]
pub async fn exec(name: String) -> Result<rds::Exec, rds::Error>;

#[rds_query("DELETE FROM test WHERE id = ?")]
pub async fn unit(id: i64) -> Result<(), rds::Error>;

#[rds_query("REPLACE INTO test (id, name) VALUES (:id, :name)")]
pub async fn replace(id: i64, name: &str) -> Result<rds::Exec, rds::Error>;

#[rds_query("DELETE FROM test WHERE id = :id RETURNING id, name")]
pub async fn returning(id: i64) -> Result<Option<Test>, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name) RETURNING id")]
pub async fn returning_id(name: &str) -> Result<u64, rds::Error>;

#[rds_query("WITH recent AS (SELECT id, name FROM test ORDER BY id DESC LIMIT 5) SELECT id, name FROM recent")]
pub async fn with_cte() -> Result<Vec<Test>, rds::Error>;

#[rds_query("CALL refresh_stats(?)")]
pub async fn call(days: u32) -> Result<(), rds::Error>;

#[rds_query("SELECT id, name FROM test")]
pub async fn alias_result() -> rds::Result<Vec<Test>>;

#[rds_query("SELECT name FROM test WHERE id = :id")]
pub async fn kit_error(id: i64) -> Result<String, lambda_kit::Error>;

fn main() {
    // Building the futures needs no database; only awaiting them would.
    drop((all("jhc"), first(1), exactly_one(1), tuples(), scalars(), count(), nullable(1)));
    drop((affected(1, "x"), exec("x".into()), unit(1), replace(1, "x"), returning(1), returning_id("x")));
    drop((with_cte(), call(7), alias_result(), kit_error(1)));
    let names: Vec<&str> = rds::queries().iter().map(|q| q.name()).collect();
    assert_eq!(names.len(), 17, "{names:?}");
    let first = rds::queries().into_iter().find(|q| q.name() == "first").unwrap();
    assert_eq!(first.sql(), "SELECT id, name FROM test WHERE id = ?");
    assert_eq!(first.params(), 1);
    assert_eq!(first.kind(), rds::Kind::Read);
    assert_eq!(first.shape().unwrap().rust_type(), "Test");
    assert!(rds::queries().iter().any(|q| q.name() == "affected" && q.kind() == rds::Kind::Write && q.shape().is_none()));
}
