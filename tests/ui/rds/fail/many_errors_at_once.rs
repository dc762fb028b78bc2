use lambda_kit::{rds, rds_query};

#[rds_query("UPDATE test SET name = :nme WHERE id = :id")]
fn rename(id: i64, name: &str, conn: &mut rds::Conn) -> Result<Vec<String>, rds::Error>;

fn main() {}
