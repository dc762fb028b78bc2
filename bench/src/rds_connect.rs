//! The original Python handler's pattern in Rust: a new `mysql_async`
//! connection per invocation, `select * from test where name='jhc'` as
//! text, column 1 of the last row, then close.

use lambda_kit::lambda_handler;
use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::mysql_async::{self, Opts, OptsBuilder};

/// The connection settings, read once (the original kept them as
/// module-level constants).
fn setup() -> Result<Opts, mysql_async::Error> {
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    // TCP to the given address, as to RDS (no switch to a local socket).
    Ok(OptsBuilder::from_opts(Opts::from_url(&url)?)
        .prefer_socket(false)
        .into())
}

#[lambda_handler(init = setup)]
async fn rds_lookup(opts: &Opts) -> Result<Option<String>, mysql_async::Error> {
    let mut conn = mysql_async::Conn::new(opts.clone()).await?;
    let rows: Vec<(String, Option<String>, i64)> =
        conn.query("select * from test where name='jhc'").await?;
    conn.disconnect().await?;
    Ok(rows.into_iter().last().and_then(|(_, value, _)| value))
}
