use lambda_kit::{rds, rds_query};

struct Repo;

impl Repo {
    #[rds_query("SELECT id FROM test")]
    async fn ids(&self) -> Result<Vec<i64>, rds::Error>;
}

fn main() {}
