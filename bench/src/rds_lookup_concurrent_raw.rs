//! The `rds_lookup` example hand-written on `lambda_runtime::run_concurrent`
//! and a `mysql_async` pool of up to `AWS_LAMBDA_MAX_CONCURRENCY`
//! connections (one when unset), so every invocation in flight can have
//! one. Same event, query and reply as examples/rds_lookup/src/main.rs; the
//! runtime as in echo_concurrent_raw.rs.

use std::time::Duration;

use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use lambda_runtime::{run_concurrent, service_fn, Error, LambdaEvent};
use serde::Deserialize;

#[derive(Deserialize)]
struct Lookup {
    #[serde(default = "default_name")]
    name: String,
}

fn default_name() -> String {
    "jhc".to_owned()
}

fn main() -> Result<(), Error> {
    let concurrency = max_concurrency();
    runtime(concurrency)?.block_on(serve(concurrency))
}

/// `AWS_LAMBDA_MAX_CONCURRENCY`, 1 when unset.
fn max_concurrency() -> usize {
    std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(1)
}

/// More worker threads than CPUs, or than invocations in flight, would
/// only add wake-ups across threads.
fn runtime(concurrency: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if concurrency > 1 {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(cpus.min(concurrency));
        builder
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}

fn pool(concurrency: usize) -> Result<Pool, Error> {
    let url = std::env::var("DATABASE_URL")?;
    let constraints = PoolConstraints::new(1, concurrency).ok_or("invalid pool size")?;
    let pool = PoolOpts::default()
        .with_constraints(constraints)
        // The driver's default resets each returned connection (a round
        // trip that also drops its prepared statements).
        .with_reset_connection(false)
        // With no TTL the driver closes idle connections above the minimum
        // every half minute; keep them, as a warm instance would.
        .with_inactive_connection_ttl(Duration::from_secs(60));
    // TCP to the given address, as to RDS (no switch to a local socket).
    let opts = OptsBuilder::from_opts(Opts::from_url(&url)?)
        .prefer_socket(false)
        .pool_opts(pool);
    Ok(Pool::new(opts))
}

async fn serve(concurrency: usize) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let pool = pool(concurrency)?;
    // Init opens the first connection, so a wrong configuration fails there.
    drop(pool.get_conn().await?);
    run_concurrent(service_fn(move |event: LambdaEvent<Lookup>| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get_conn().await?;
            let row: Option<(String, Option<String>)> = conn
                .exec_first(
                    "SELECT name, value FROM test WHERE name = ? ORDER BY id DESC LIMIT 1",
                    (event.payload.name,),
                )
                .await?;
            Ok::<_, Error>(row.and_then(|(_, value)| value))
        }
    }))
    .await
}
