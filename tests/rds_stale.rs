//! Connections that died while the instance was frozen, when the driver's
//! liveness check cannot tell: a proxy between the pool and the server
//! plays the network after a thaw. Once armed, it drops the next request on
//! every open connection and closes it, so the client's socket looks alive
//! until it is used. Reads are retried on a fresh connection; writes are
//! pinged first after an idle spell, and otherwise never run twice.
//!
//! `cargo test --test rds_stale` (needs `DATABASE_URL` or a local server).

mod rds_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambda_kit::rds::{self, Config, Pool};
use lambda_kit::rds_query;
use rds_common::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SCHEMA: &str =
    "CREATE TABLE test (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)";

/// A TCP proxy to the database that can silently kill its connections.
struct Proxy {
    address: SocketAddr,
    accepted: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let open: Arc<Mutex<Vec<Arc<AtomicBool>>>> = Arc::default();
        let (count, list) = (accepted.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let sever = Arc::new(AtomicBool::new(false));
                list.lock().unwrap().push(sever.clone());
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(pipe(client, server, sever));
            }
        });
        Self {
            address,
            accepted,
            open,
        }
    }

    /// Every connection open now dies on the client's next request.
    fn arm(&self) {
        for sever in self.open.lock().unwrap().iter() {
            sever.store(true, Ordering::SeqCst);
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// A pool on `db` through the proxy.
    fn pool(&self, db: &TestDb, ping_after_idle: Option<Duration>) -> Pool {
        let config: Config = db
            .config()
            .with_host(self.address.ip().to_string())
            .with_port(self.address.port())
            .with_ping_after_idle(ping_after_idle);
        Pool::new(config).unwrap()
    }
}

async fn pipe(mut client: TcpStream, mut server: TcpStream, sever: Arc<AtomicBool>) {
    let (mut up, mut down) = ([0u8; 16384], [0u8; 16384]);
    loop {
        tokio::select! {
            read = client.read(&mut up) => match read {
                Ok(0) | Err(_) => return,
                // The request is lost and both sockets close: the server
                // never sees it, the client sees the connection drop.
                Ok(_) if sever.load(Ordering::SeqCst) => return,
                Ok(n) => if server.write_all(&up[..n]).await.is_err() { return },
            },
            read = server.read(&mut down) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => if client.write_all(&down[..n]).await.is_err() { return },
            },
        }
    }
}

async fn setup() -> (TestDb, Proxy) {
    let db = TestDb::create(SCHEMA).await;
    let proxy = Proxy::start(rds_common::server().address()).await;
    (db, proxy)
}

#[rds_query("SELECT COUNT(*) FROM test")]
async fn count(pool: &rds::Pool) -> Result<u64, rds::Error>;

#[rds_query("INSERT INTO test (name) VALUES (:name)")]
async fn insert(pool: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

#[rds_query("UPDATE test SET name = :name WHERE id = 1")]
async fn rename_first(pool: &rds::Pool, name: &str) -> Result<u64, rds::Error>;

#[tokio::test]
async fn a_read_on_a_dead_connection_is_retried_on_a_new_one() {
    let (db, proxy) = setup().await;
    let pool = proxy.pool(&db, None);
    assert_eq!(count(&pool).await.unwrap(), 0);
    assert_eq!(proxy.accepted(), 1);
    proxy.arm();
    assert_eq!(count(&pool).await.unwrap(), 0);
    assert_eq!(proxy.accepted(), 2, "the retry used a fresh connection");
}

#[tokio::test]
async fn a_write_after_an_idle_spell_pings_first() {
    let (db, proxy) = setup().await;
    let pool = proxy.pool(&db, Some(Duration::from_millis(50)));
    assert_eq!(insert(&pool, "first").await.unwrap(), 1);
    proxy.arm();
    // The idle spell under test (longer than `ping_after_idle`), not a wait
    // for another task: a sleep never ends early, so the ping is due.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(insert(&pool, "second").await.unwrap(), 1);
    assert_eq!(proxy.accepted(), 2);
    assert_eq!(
        count(&db.pool()).await.unwrap(),
        2,
        "each insert ran exactly once"
    );
}

#[tokio::test]
async fn a_write_that_may_have_run_is_never_run_twice() {
    let (db, proxy) = setup().await;
    let pool = proxy.pool(&db, None);
    assert_eq!(insert(&pool, "first").await.unwrap(), 1);
    proxy.arm();
    // The statement is prepared on this connection, so the execute is the
    // first thing sent: it may have reached the server, so it fails.
    let err = insert(&pool, "second").await.unwrap_err();
    assert!(
        matches!(
            err,
            rds::Error::Connection {
                query: "insert",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("insert: the database connection failed: "),
        "{err}"
    );
    assert_eq!(count(&db.pool()).await.unwrap(), 1);
    // The next invocation gets a fresh connection.
    assert_eq!(insert(&pool, "third").await.unwrap(), 1);
    assert_eq!(count(&db.pool()).await.unwrap(), 2);
}

#[tokio::test]
async fn a_write_that_failed_while_being_prepared_is_retried() {
    let (db, proxy) = setup().await;
    let pool = proxy.pool(&db, None);
    assert_eq!(insert(&pool, "first").await.unwrap(), 1);
    proxy.arm();
    // Not prepared on this connection yet: the prepare is what fails, so
    // the update never ran and runs on a new connection.
    assert_eq!(rename_first(&pool, "renamed").await.unwrap(), 1);
    assert_eq!(proxy.accepted(), 2);
}
