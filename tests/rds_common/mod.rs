//! What the database tests share: a uniquely named database per test on
//! the server from `DATABASE_URL` (default `mysql://root@127.0.0.1:3306/test`),
//! dropped when the test ends, pass or fail. No server is a test failure
//! that says how to start one, never a skip.

#![allow(dead_code)] // each test binary uses part of it

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use lambda_kit::rds::mysql_async::prelude::Queryable;
use lambda_kit::rds::{self, Config, Pool};

pub const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// The server the tests use, without a default database.
pub fn server() -> Config {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    Config::from_url(&url)
        .unwrap_or_else(|err| panic!("DATABASE_URL is not usable: {err}"))
        .without_database()
}

/// Why the tests cannot run, and how to fix it.
pub fn no_server(config: &Config, error: &rds::Error) -> String {
    format!(
        "the database tests need a MySQL or MariaDB server at {} and cannot reach it: {error}\n\
         Start the local one with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
         (it takes a second), or set DATABASE_URL=mysql://user:password@host:3306/test",
        config.address()
    )
}

/// A database of its own for one test.
pub struct TestDb {
    name: String,
    config: Config,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// Creates the database and runs `schema` (statements separated by
    /// `;` at line ends) in it.
    pub async fn create(schema: &str) -> TestDb {
        let server = server();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "lk_test_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = Pool::new(server.clone()).unwrap();
        let mut conn = admin
            .conn()
            .await
            .unwrap_or_else(|err| panic!("{}", no_server(&server, &err)));
        let conn = conn.as_mysql();
        conn.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await
        .unwrap();
        // From here on, dropping `db` removes the database.
        let db = TestDb {
            config: server.with_database(name.clone()),
            name,
        };
        conn.query_drop(format!("USE `{}`", db.name)).await.unwrap();
        for statement in statements(schema) {
            conn.query_drop(&statement)
                .await
                .unwrap_or_else(|err| panic!("schema statement failed: {err}\n{statement}"));
        }
        db
    }

    /// The test database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A configuration for the test database.
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    /// `DATABASE_URL` with the test database in place of the one it names,
    /// for processes started by a test.
    pub fn url(&self) -> String {
        let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let authority = url.find("://").map_or(0, |i| i + 3);
        let path = url[authority..]
            .find('/')
            .map_or(url.len(), |i| authority + i);
        let query = url[path..].find('?').map_or("", |i| &url[path + i..]);
        format!("{}/{}{query}", &url[..path], self.name)
    }

    /// A pool on the test database.
    pub fn pool(&self) -> Pool {
        Pool::new(self.config()).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let config = server();
        let name = self.name.clone();
        // Its own thread and runtime: this may run inside the test's
        // runtime, or while it unwinds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let pool = Pool::new(config).unwrap();
                let mut conn = pool.conn().await.unwrap();
                conn.as_mysql()
                    .query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                    .await
                    .unwrap();
            })
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop test database {}", self.name);
        }
    }
}

/// The statements of an SQL script: split at `;` ending a line, comments
/// and blank lines dropped.
pub fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// An example's SQL script without its `CREATE DATABASE` and `USE`: a test
/// runs it in a database of its own.
pub fn in_own_database(script: &str) -> String {
    script
        .split(";\n")
        .map(str::trim)
        .filter(|statement| {
            let code: String = statement
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .collect();
            let code = code.trim_start().to_ascii_uppercase();
            !code.is_empty() && !code.starts_with("CREATE DATABASE") && !code.starts_with("USE ")
        })
        .map(|statement| format!("{statement};\n"))
        .collect()
}
