use lambda_kit::{rds, rds_query};

#[derive(rds::FromRow)]
struct Test {
    id: i64,
}

#[rds_query("UPDATE test SET name = :name WHERE id = :id")]
async fn rename(id: i64, name: &str) -> Result<Vec<Test>, rds::Error>;

#[rds_query("delete from test where id = ?")]
async fn delete(id: i64) -> Result<Option<String>, rds::Error>;

fn main() {}
