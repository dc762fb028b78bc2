//! TLS to the database (`rds-tls`) against a real MariaDB that the test
//! starts itself: a throwaway CA and server certificate (for `127.0.0.1`
//! and `localhost`) made with the `openssl` CLI, a fresh data directory
//! from `mariadb-install-db`, and `mariadbd` on a free loopback port with
//! `--require-secure-transport=ON`. The shared server on 3306 is not
//! touched. The server is killed and its directory removed when the test
//! ends, pass or fail.
//!
//! Tier 2, as it starts a server of its own: ignored by plain `cargo test`,
//! run by tests/run.sh, or alone with
//! `cargo test --test rds_tls -- --include-ignored` (needs `openssl`,
//! `mariadb-install-db` and `/usr/sbin/mariadbd`, or
//! `MARIADBD=/path/to/mariadbd`).

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_kit::rds::{self, Config, Pool, TlsMode};
use lambda_kit::rds_query;

#[rds_query("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')")]
async fn tls_status(db: &rds::Pool) -> Result<Vec<(String, String)>, rds::Error>;

#[rds_query("SELECT CONCAT('hello ', :name)")]
async fn greet(db: &rds::Pool, name: &str) -> Result<String, rds::Error>;

/// A MariaDB server of the test's own, with TLS required; stopped and
/// deleted on drop.
struct TlsServer {
    dir: PathBuf,
    child: Option<Child>,
    port: u16,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl TlsServer {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The CA that signed the server's certificate.
    fn ca(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// A CA that did not sign it.
    fn other_ca(&self) -> PathBuf {
        self.path("other-ca.pem")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.path("mariadb.err")).unwrap_or_default()
    }

    /// Makes the certificates, the data directory, starts `mariadbd` and
    /// waits until it accepts connections.
    fn start() -> TlsServer {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("lk_tls_{}_{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // From here on, dropping `server` removes the directory.
        let mut server = TlsServer {
            dir,
            child: None,
            port: 0,
        };

        let ext = server.path("server.ext");
        fs::write(
            &ext,
            "basicConstraints=critical,CA:FALSE\n\
             subjectAltName=IP:127.0.0.1,DNS:localhost\n\
             extendedKeyUsage=serverAuth\n\
             keyUsage=critical,digitalSignature\n",
        )
        .unwrap();
        for (ca, name) in [
            ("ca", "lambda-kit test CA"),
            ("other-ca", "another test CA"),
        ] {
            run(Command::new("openssl")
                .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
                .arg("-subj")
                .arg(format!("/CN={name}"))
                .arg("-keyout")
                .arg(server.path(&format!("{ca}.key")))
                .arg("-out")
                .arg(server.path(&format!("{ca}.pem"))));
        }
        run(Command::new("openssl")
            .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
            .args([
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
            ])
            .arg("-keyout")
            .arg(server.path("server.key"))
            .arg("-out")
            .arg(server.path("server.csr")));
        run(Command::new("openssl")
            .args(["x509", "-req", "-set_serial", "2", "-days", "2"])
            .arg("-in")
            .arg(server.path("server.csr"))
            .arg("-CA")
            .arg(server.ca())
            .arg("-CAkey")
            .arg(server.path("ca.key"))
            .arg("-extfile")
            .arg(&ext)
            .arg("-out")
            .arg(server.path("server.pem")));

        let data = server.path("data");
        run(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={}", whoami()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db"));

        // A free loopback port: the OS picks one, the server takes it over.
        server.port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mariadbd = std::env::var("MARIADBD").unwrap_or_else(|_| "/usr/sbin/mariadbd".into());
        let opt = |name: &str, path: PathBuf| format!("--{name}={}", path.display());
        let child = Command::new(&mariadbd)
            .arg("--no-defaults")
            // Needed when the tests run as root; harmless otherwise.
            .arg(format!("--user={}", whoami()))
            .arg(opt("datadir", data))
            .arg(format!("--port={}", server.port))
            .arg("--bind-address=127.0.0.1")
            .arg(opt("socket", server.path("mariadb.sock")))
            .arg(opt("pid-file", server.path("mariadb.pid")))
            .arg(opt("log-error", server.path("mariadb.err")))
            .arg(opt("ssl-ca", server.ca()))
            .arg(opt("ssl-cert", server.path("server.pem")))
            .arg(opt("ssl-key", server.path("server.key")))
            .arg("--require-secure-transport=ON")
            .args(["--skip-log-bin", "--innodb-buffer-pool-size=16M"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("cannot start {mariadbd}: {err} (install mariadb-server, or set MARIADBD)")
            });
        server.child = Some(child);

        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "mariadbd exited ({status}) before accepting connections:\n{}",
                    server.log()
                );
            }
            if server.log().contains("ready for connections") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "mariadbd did not accept connections within 60 s:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The server, as root, with no TLS settings yet.
    fn config(&self) -> Config {
        Config::new("127.0.0.1")
            .with_port(self.port)
            .with_user("root")
            .with_connect_timeout(Duration::from_secs(10))
    }
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs a setup command; one that is missing or fails fails the test.
fn run(command: &mut Command) {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command.output().unwrap_or_else(|err| {
        if err.kind() == ErrorKind::NotFound {
            panic!("the TLS test needs `{program}` (apt-get install openssl mariadb-server)")
        }
        panic!("cannot run {program}: {err}")
    });
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Queries through a pool on `config` and checks the session is encrypted.
async fn assert_encrypted(config: Config, how: &str) {
    let pool = Pool::new(config).unwrap_or_else(|err| panic!("{how}: {err}"));
    let status: HashMap<String, String> = tls_status(&pool)
        .await
        .unwrap_or_else(|err| panic!("{how}: {err}"))
        .into_iter()
        .collect();
    let version = status.get("Ssl_version").map_or("", String::as_str);
    let cipher = status.get("Ssl_cipher").map_or("", String::as_str);
    assert!(version.starts_with("TLSv1."), "{how}: {status:?}");
    assert!(!cipher.is_empty(), "{how}: {status:?}");
    assert_eq!(greet(&pool, "tls").await.unwrap(), "hello tls", "{how}");
}

/// Connecting through a pool on `config` fails with `rds::Error::Connect`
/// naming the server; returns the message.
async fn connect_error(config: Config, port: u16, how: &str) -> String {
    let pool = Pool::new(config).unwrap_or_else(|err| panic!("{how}: {err}"));
    let err = match tls_status(&pool).await {
        Ok(status) => panic!("{how}: connected, but should not have: {status:?}"),
        Err(err) => err,
    };
    let message = err.to_string();
    eprintln!("{how}: {message}");
    assert!(matches!(err, rds::Error::Connect { .. }), "{how}: {err:?}");
    assert!(
        message.starts_with(&format!(
            "cannot connect to the database at 127.0.0.1:{port}: "
        )),
        "{how}: {message}"
    );
    message
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
#[ignore = "tier 2: starts a MariaDB server of its own; tests/run.sh runs it"]
async fn tls_to_a_server_that_requires_it() {
    let server = TlsServer::start();
    let port = server.port;

    // VERIFY_IDENTITY with the CA that signed the certificate, from the
    // RDS_* variables, from the URL (host name `localhost`, checked against
    // the certificate's DNS name), and built in code.
    let vars: HashMap<&str, String> = HashMap::from([
        ("RDS_HOSTNAME", "127.0.0.1".to_owned()),
        ("RDS_PORT", port.to_string()),
        ("RDS_USERNAME", "root".to_owned()),
        ("RDS_CONNECT_TIMEOUT_MS", "10000".to_owned()),
        ("RDS_SSL_MODE", "VERIFY_IDENTITY".to_owned()),
        ("RDS_SSL_CA", path_str(&server.ca()).to_owned()),
    ]);
    let from_vars = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    assert_eq!(from_vars.tls(), TlsMode::VerifyIdentity);
    assert_encrypted(from_vars, "RDS_SSL_MODE=VERIFY_IDENTITY").await;

    let url = format!(
        "mysql://root@localhost:{port}/?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
        path_str(&server.ca())
    );
    let from_url = Config::from_url(&url)
        .unwrap()
        .with_connect_timeout(Duration::from_secs(10));
    assert_encrypted(from_url, "DATABASE_URL ssl-mode=VERIFY_IDENTITY").await;

    let verified = server
        .config()
        .with_tls(TlsMode::VerifyIdentity)
        .with_tls_ca(server.ca());
    assert_encrypted(verified, "TlsMode::VerifyIdentity").await;
    let ca_only = server
        .config()
        .with_tls(TlsMode::VerifyCa)
        .with_tls_ca(server.ca());
    assert_encrypted(ca_only, "TlsMode::VerifyCa").await;
    // REQUIRED encrypts without checking the certificate.
    assert_encrypted(
        server.config().with_tls(TlsMode::Required),
        "TlsMode::Required",
    )
    .await;

    // A CA that did not sign the server's certificate.
    for mode in [TlsMode::VerifyIdentity, TlsMode::VerifyCa] {
        let wrong_ca = server
            .config()
            .with_tls(mode)
            .with_tls_ca(server.other_ca());
        let message = connect_error(wrong_ca, port, &format!("{mode:?} with another CA")).await;
        assert!(
            message.to_lowercase().contains("certificate"),
            "{mode:?} with another CA: {message}"
        );
    }
    // Without a CA, the built-in web roots do not trust a private CA.
    let message = connect_error(
        server.config().with_tls(TlsMode::VerifyIdentity),
        port,
        "VerifyIdentity without tls_ca",
    )
    .await;
    assert!(message.to_lowercase().contains("certificate"), "{message}");

    // DISABLED against a server that requires secure transport: the same
    // user, which got in over TLS above, is turned away. MariaDB 10.11
    // answers "Access denied" (1045); other versions name the reason
    // (ER_SECURE_TRANSPORT_REQUIRED, 4188).
    let message = connect_error(server.config(), port, "DISABLED").await;
    assert!(
        message.ends_with("(server error 1045)") || message.ends_with("(server error 4188)"),
        "{message}"
    );
}
