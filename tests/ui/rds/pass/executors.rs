//! Where a query runs: a pool, a connection or a transaction passed first.
use lambda_kit::{rds, rds_query};

#[rds_query("SELECT COUNT(*) FROM test")]
async fn on_pool(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("SELECT COUNT(*) FROM test WHERE name = :name")]
async fn on_conn(conn: &mut rds::Conn, name: &str) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name)")]
async fn in_transaction(tx: &mut rds::Transaction<'_>, name: &str) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name)")]
async fn in_named_transaction<'c>(tx: &mut rds::Transaction<'c>, name: &str) -> Result<u64, rds::Error>;

use lambda_kit::rds::{Conn, Pool};

#[rds_query("SELECT 1")]
async fn imported_names(conn: &mut Conn) -> Result<i64, rds::Error>;

#[rds_query("SELECT 1")]
async fn mut_pool(pool: &mut Pool) -> Result<i64, rds::Error>;

async fn transfer(pool: &rds::Pool) -> Result<(), rds::Error> {
    on_pool(pool).await?;
    let mut conn = pool.conn().await?;
    on_conn(&mut conn, "jhc").await?;
    imported_names(&mut conn).await?;
    let mut tx = conn.begin().await?;
    in_transaction(&mut tx, "a").await?;
    in_named_transaction(&mut tx, "b").await?;
    tx.commit().await?;
    let mut tx = rds::begin().await?;
    in_transaction(&mut tx, "c").await?;
    tx.rollback().await
}

fn main() {
    let pool = rds::Pool::new(rds::Config::new("127.0.0.1")).unwrap();
    drop(transfer(&pool));
    let mut pool = pool;
    drop(mut_pool(&mut pool));
}
