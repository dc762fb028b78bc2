use lambda_kit::{rds, rds_query};

#[rds_query("  ")]
async fn nothing() -> Result<(), rds::Error>;

fn main() {}
