//! One lookup per invocation, three ways, measured in one run against the
//! same server: the `rds_lookup` query through `#[rds_query]` on the
//! process-wide pool; the same statement hand-written on a `mysql_async`
//! pool (what the macro must not be slower than); and the documented
//! Python handler's pattern, a new connection per invocation running the
//! SQL as text, then closed.
//!
//! `cargo run --release -p lambda-kit-bench --bin rds_pool` (needs
//! `DATABASE_URL` or a local server; creates and drops its own database).
//! Prints a table; asserts nothing. The suite's database section measures
//! the same variants as bootstraps; this one isolates the query itself.

use std::time::{Duration, Instant};

use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::mysql_async::{self, Opts, OptsBuilder, PoolConstraints, PoolOpts};
use lambda_kit::rds::{self, Config};
use lambda_kit::rds_query;

const ROUNDS: usize = 10;
const POOLED_PER_ROUND: usize = 300;
const CONNECT_PER_ROUND: usize = 40;

#[derive(rds::FromRow)]
struct Test {
    #[allow(dead_code)]
    name: String,
    value: Option<String>,
}

#[rds_query("SELECT name, value FROM test WHERE name = :name ORDER BY id DESC LIMIT 1")]
async fn last_match(name: &str) -> Result<Option<Test>, rds::Error>;

const SQL: &str = "SELECT name, value FROM test WHERE name = ? ORDER BY id DESC LIMIT 1";

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let server = Config::from_url(&url)
        .expect("DATABASE_URL")
        .without_database();
    let database = format!("lk_bench_{}", std::process::id());
    let admin = rds::Pool::new(server.clone()).unwrap();
    let mut conn = admin.conn().await.unwrap_or_else(|err| {
        panic!(
            "{err}\nStart MariaDB with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
             or set DATABASE_URL"
        )
    });
    let setup = [
        format!("CREATE DATABASE `{database}` CHARACTER SET utf8mb4"),
        format!(
            "CREATE TABLE `{database}`.test (name VARCHAR(64) NOT NULL, value VARCHAR(255) NULL, \
             id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, KEY test_name (name))"
        ),
        // A table with some bulk, so the lookup goes through the index.
        format!(
            "INSERT INTO `{database}`.test (name, value) \
             WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000) \
             SELECT CONCAT('user', n), 'filler' FROM seq"
        ),
        format!(
            "INSERT INTO `{database}`.test (name, value) VALUES \
             ('jhc', 'first row for jhc'), ('alice', 'hello'), ('jhc', 'last row for jhc')"
        ),
    ];
    for statement in &setup {
        conn.as_mysql().query_drop(statement).await.unwrap();
    }

    let config = server.clone().with_database(database.clone());
    rds::configure(config).unwrap();
    let driver_opts: Opts = OptsBuilder::from_opts(Opts::from_url(&url).unwrap())
        .db_name(Some(database.clone()))
        .prefer_socket(false)
        .tcp_nodelay(true)
        .into();
    let driver_pool = mysql_async::Pool::new(
        OptsBuilder::from_opts(driver_opts.clone()).pool_opts(
            PoolOpts::default()
                .with_constraints(PoolConstraints::new(1, 1).unwrap())
                .with_reset_connection(false),
        ),
    );

    // Every variant gives the same answer.
    assert_eq!(macro_pooled().await.as_deref(), Some("last row for jhc"));
    assert_eq!(
        driver_pooled(&driver_pool).await.as_deref(),
        Some("last row for jhc")
    );
    assert_eq!(
        connect_each_time(&driver_opts).await.as_deref(),
        Some("last row for jhc")
    );

    let (mut kit, mut driver, mut seed) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..POOLED_PER_ROUND {
        // Warm-up: statement caches, branch predictors, the server's buffers.
        macro_pooled().await;
        driver_pooled(&driver_pool).await;
    }
    for _ in 0..ROUNDS {
        for _ in 0..POOLED_PER_ROUND {
            let started = Instant::now();
            std::hint::black_box(macro_pooled().await);
            kit.push(started.elapsed());
        }
        for _ in 0..POOLED_PER_ROUND {
            let started = Instant::now();
            std::hint::black_box(driver_pooled(&driver_pool).await);
            driver.push(started.elapsed());
        }
        for _ in 0..CONNECT_PER_ROUND {
            let started = Instant::now();
            std::hint::black_box(connect_each_time(&driver_opts).await);
            seed.push(started.elapsed());
        }
    }

    let version: Option<String> = conn
        .as_mysql()
        .query_first("SELECT VERSION()")
        .await
        .unwrap();
    conn.as_mysql()
        .query_drop(format!("DROP DATABASE `{database}`"))
        .await
        .unwrap();
    drop(conn);
    driver_pool.disconnect().await.unwrap();

    println!(
        "rds_pool: one `rds_lookup` query per invocation; server {} at {} over TCP; current-thread runtime",
        version.unwrap_or_default(),
        server.address()
    );
    println!();
    println!(
        "{:<46} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "variant", "n", "min µs", "median µs", "p99 µs", "mean µs"
    );
    let kit = Stats::of(kit);
    let driver = Stats::of(driver);
    let seed = Stats::of(seed);
    for (name, stats) in [
        ("#[rds_query] on the process pool", &kit),
        ("hand-written mysql_async pool, same statement", &driver),
        ("connect per invocation (documented handler)", &seed),
    ] {
        println!(
            "{:<46} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            name,
            stats.n,
            micros(stats.min),
            micros(stats.median),
            micros(stats.p99),
            micros(stats.mean)
        );
    }
    println!();
    println!(
        "median ratio: connect per invocation / #[rds_query] = {:.1}x; #[rds_query] / hand-written pool = {:.2}x",
        micros(seed.median) / micros(kit.median),
        micros(kit.median) / micros(driver.median)
    );
}

/// What the `rds_lookup` handler does per invocation.
async fn macro_pooled() -> Option<String> {
    last_match("jhc").await.unwrap().and_then(|row| row.value)
}

/// The same, written against the driver's pool by hand.
async fn driver_pooled(pool: &mysql_async::Pool) -> Option<String> {
    let mut conn = pool.get_conn().await.unwrap();
    let row: Option<(String, Option<String>)> = conn.exec_first(SQL, ("jhc",)).await.unwrap();
    row.and_then(|(_, value)| value)
}

/// The documented handler: connect, `select * from test where name='jhc'`
/// as text, keep column 1 of the last row, close.
async fn connect_each_time(opts: &Opts) -> Option<String> {
    let mut conn = mysql_async::Conn::new(opts.clone()).await.unwrap();
    let rows: Vec<(String, Option<String>, i64)> = conn
        .query("select * from test where name='jhc'")
        .await
        .unwrap();
    conn.disconnect().await.unwrap();
    rows.into_iter().last().and_then(|(_, value, _)| value)
}

struct Stats {
    n: usize,
    min: Duration,
    median: Duration,
    p99: Duration,
    mean: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let n = samples.len();
        let at = |q: f64| samples[((n as f64 - 1.0) * q).round() as usize];
        Self {
            n,
            min: samples[0],
            median: at(0.5),
            p99: at(0.99),
            mean: samples.iter().sum::<Duration>() / n as u32,
        }
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
