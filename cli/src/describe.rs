//! What a bootstrap says about itself when run with `LAMBDA_KIT_DESCRIBE=1`,
//! and the running of it.

use serde::Deserialize;
use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The description format versions this CLI reads.
pub const DESCRIPTION_VERSIONS: &[u64] = &[1];

/// The JSON line a lambda-kit bootstrap prints under `LAMBDA_KIT_DESCRIBE=1`.
/// Fields this version does not know are ignored, so newer bootstraps still
/// describe themselves to this CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Description {
    /// The Rust function's name (`router` for `router!`).
    pub handler: String,
    /// How the function is invoked.
    pub kind: Kind,
    /// The routes of a `router`, in API Gateway path syntax.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Memory in MB, when the code sets it.
    pub memory: Option<u32>,
    /// Timeout in seconds, when the code sets it.
    pub timeout: Option<u32>,
    /// Instruction set, when the code sets it.
    pub architecture: Option<Architecture>,
    /// Environment variables, in source order.
    #[serde(default)]
    pub environment: Vec<EnvVar>,
    /// Whether the function talks to the RDS MySQL database.
    #[serde(default)]
    pub database: bool,
    /// The queue or stream of a batch handler, as written in the code.
    pub source: Option<String>,
    /// The event source's batch size.
    pub batch_size: Option<u32>,
    /// What invokes an `http`/`router` function (`None`: an HTTP API).
    pub trigger: Option<Trigger>,
    /// A hand-written API resource to attach HTTP events to.
    pub api: Option<String>,
}

/// How a function is invoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Invoked directly.
    #[default]
    Plain,
    /// One function answering all HTTP requests.
    Http,
    /// HTTP with routes.
    Router,
    /// SQS batches, reporting partial failures.
    Sqs,
    /// Kinesis batches, reporting partial failures.
    Kinesis,
    /// DynamoDB stream batches, reporting partial failures.
    Dynamodb,
}

/// One route of a `router!`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Route {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// `/items/{id}`; the last segment may be greedy, `{name+}`.
    pub path: String,
}

/// An environment variable the code sets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value; containing `${` it is a CloudFormation `!Sub` string.
    pub value: String,
}

/// A function's instruction set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Architecture {
    /// Intel/AMD.
    #[serde(rename = "x86_64")]
    X86_64,
    /// Graviton.
    #[serde(rename = "arm64")]
    Arm64,
}

/// What invokes an HTTP function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An API Gateway HTTP API (the default).
    HttpApi,
    /// An API Gateway REST API.
    RestApi,
    /// A Function URL with IAM auth.
    Url,
    /// A Function URL without auth.
    PublicUrl,
    /// Nothing generated: wired by hand.
    None,
}

/// Why a bootstrap's description could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescribeError {
    /// It could not be started.
    Spawn(String),
    /// It exited unsuccessfully: its status and the last lines of stderr.
    Failed {
        /// `exit status: 1`, `signal: 9`...
        status: String,
        /// The end of its stderr.
        stderr_tail: String,
    },
    /// It ran longer than the bound and was killed.
    TimedOut(Duration),
    /// Its stdout held no description line.
    NoDescription,
    /// The line is not a description this CLI reads (bad JSON, bad field).
    Invalid(String),
    /// A format version this CLI does not read.
    Version(u64),
}

impl std::fmt::Display for DescribeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DescribeError::Spawn(e) => write!(f, "could not be started: {e}"),
            DescribeError::Failed {
                status,
                stderr_tail,
            } => {
                write!(
                    f,
                    "exited unsuccessfully ({status}) under LAMBDA_KIT_DESCRIBE=1 \
                     (is it built with a lambda-kit that describes bootstraps?)"
                )?;
                if stderr_tail.is_empty() {
                    write!(f, "; its stderr was empty")
                } else {
                    write!(f, "; the end of its stderr:\n{stderr_tail}")
                }
            }
            DescribeError::TimedOut(d) => write!(
                f,
                "did not exit within {}s under LAMBDA_KIT_DESCRIBE=1 and was killed",
                d.as_secs()
            ),
            DescribeError::NoDescription => write!(
                f,
                "printed no description line: is its `main` generated by `#[lambda_handler]` \
                 or `router!`? To leave it out of the template, add its package to \
                 `[workspace.metadata.lambda-kit] exclude` in the workspace's Cargo.toml"
            ),
            DescribeError::Invalid(e) => write!(f, "printed an invalid description: {e}"),
            DescribeError::Version(v) => {
                write!(
                f,
                "describes itself in format version {v}; this lambda-kit CLI reads version{} {} \
                 (update the CLI, or build the bootstrap with a matching lambda-kit)",
                if DESCRIPTION_VERSIONS.len() == 1 { "" } else { "s" },
                DESCRIPTION_VERSIONS
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            }
        }
    }
}

impl std::error::Error for DescribeError {}

/// Reads a bootstrap's description from its stdout: the last non-blank line
/// must be the JSON object.
pub fn parse_description(stdout: &str) -> Result<Description, DescribeError> {
    let Some(line) = stdout.lines().rev().find(|l| !l.trim().is_empty()) else {
        return Err(DescribeError::NoDescription);
    };
    let line = line.trim();
    if !line.starts_with('{') {
        return Err(DescribeError::NoDescription);
    }
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| DescribeError::Invalid(e.to_string()))?;
    let Some(version) = value.get("lambda_kit_description") else {
        return Err(DescribeError::NoDescription);
    };
    let version = version.as_u64().ok_or_else(|| {
        DescribeError::Invalid(format!(
            "`lambda_kit_description` is {version}, not a number"
        ))
    })?;
    if !DESCRIPTION_VERSIONS.contains(&version) {
        return Err(DescribeError::Version(version));
    }
    let description: Description =
        serde_json::from_value(value).map_err(|e| DescribeError::Invalid(e.to_string()))?;
    validate(&description).map_err(DescribeError::Invalid)?;
    Ok(description)
}

/// The contract's ranges and shapes, so a bad value is reported against the
/// bootstrap rather than by CloudFormation at deploy time.
fn validate(d: &Description) -> Result<(), String> {
    if let Some(m) = d.memory {
        if !(128..=10240).contains(&m) {
            return Err(format!("memory {m} MB is outside 128..=10240"));
        }
    }
    if let Some(t) = d.timeout {
        if !(1..=900).contains(&t) {
            return Err(format!("timeout {t} s is outside 1..=900"));
        }
    }
    for r in &d.routes {
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&r.method.as_str()) {
            return Err(format!(
                "route method {:?} is not GET/POST/PUT/PATCH/DELETE",
                r.method
            ));
        }
        if !r.path.starts_with('/') {
            return Err(format!("route path {:?} does not start with /", r.path));
        }
    }
    if d.kind == Kind::Router && d.routes.is_empty() {
        return Err("a router with no routes".into());
    }
    for v in &d.environment {
        if v.name.is_empty() {
            return Err("an environment variable with an empty name".into());
        }
    }
    Ok(())
}

/// How many lines of a failing bootstrap's stderr an error shows.
const STDERR_TAIL_LINES: usize = 10;

/// The variables a bootstrap keeps from the environment when it describes
/// itself; everything else (AWS credentials, `DATABASE_URL`,
/// `AWS_LAMBDA_RUNTIME_API`...) is withheld.
const PASSED_VARIABLES: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "RUST_BACKTRACE"];

/// The environment a bootstrap describes itself in, from the parent's:
/// [`PASSED_VARIABLES`] that are set, and `LAMBDA_KIT_DESCRIBE=1`.
fn describe_environment(
    parent: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = parent
        .into_iter()
        .filter(|(name, _)| PASSED_VARIABLES.iter().any(|p| name == p))
        .collect();
    env.push(("LAMBDA_KIT_DESCRIBE".into(), "1".into()));
    env
}

/// How much of a bootstrap's output is kept: the first MiB of stdout (the
/// description is one line) and the last 64 KiB of stderr (an error shows
/// its end); the rest is read and dropped.
const STDOUT_CAP: usize = 1 << 20;
const STDERR_CAP: usize = 64 << 10;

/// Runs the executable at `path`, stdin closed, in a cleared environment:
/// only `PATH`, `HOME`, `TMPDIR`, `LANG` and `RUST_BACKTRACE` (those set)
/// and `LAMBDA_KIT_DESCRIBE=1`, so the code run at describe time sees no AWS
/// credentials, database URL or Lambda Runtime API. Reads its description.
///
/// On Unix it runs in a process group of its own; after `timeout` the whole
/// group is killed (`kill -KILL -<pgid>`), so processes it started do not
/// outlive it. Its stdout is kept up to 1 MiB, its stderr's last 64 KiB.
pub fn describe_bootstrap(path: &Path, timeout: Duration) -> Result<Description, DescribeError> {
    let mut command = Command::new(path);
    command
        .env_clear()
        .envs(describe_environment(std::env::vars_os()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| DescribeError::Spawn(e.to_string()))?;
    // Both pipes drained on threads so a chatty child cannot block on a full
    // pipe; the buffers are shared so a killed child's partial output counts.
    let readers = [
        drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            Keep::First(STDOUT_CAP),
        ),
        drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            Keep::Last(STDERR_CAP),
        ),
    ];
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(DescribeError::Spawn(e.to_string())),
        }
    };
    // A grandchild may still hold the pipes open: wait a little, not forever.
    let grace = Instant::now() + Duration::from_secs(2);
    for (_, done) in &readers {
        let remaining = grace.saturating_duration_since(Instant::now());
        let _ = done.recv_timeout(remaining);
    }
    let [(stdout, _), (stderr, _)] = readers;
    let text = |buf: Arc<Mutex<Vec<u8>>>| {
        String::from_utf8_lossy(&buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    };
    let Some(status) = status else {
        return Err(DescribeError::TimedOut(timeout));
    };
    if !status.success() {
        let stderr = text(stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..].join("\n");
        return Err(DescribeError::Failed {
            status: status.to_string(),
            stderr_tail: tail,
        });
    }
    parse_description(&text(stdout))
}

/// Kills the child and, on Unix, its process group (the child leads it:
/// it was spawned with `process_group(0)`). Through the `kill` command, as
/// the standard library has no call for a group and this crate has no
/// unsafe code.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

type Reader = (Arc<Mutex<Vec<u8>>>, std::sync::mpsc::Receiver<()>);

/// Which part of a stream [`drain`] keeps, and how many bytes of it.
#[derive(Clone, Copy)]
enum Keep {
    First(usize),
    Last(usize),
}

/// Reads `pipe` to its end on a thread, keeping part of it (the rest is
/// dropped); the receiver gets a message when the end is reached.
fn drain(pipe: Option<Box<dyn Read + Send>>, keep: Keep) -> Reader {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let shared = Arc::clone(&buf);
    std::thread::spawn(move || {
        if let Some(mut pipe) = pipe {
            let mut chunk = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                let mut buf = shared.lock().unwrap_or_else(|e| e.into_inner());
                match keep {
                    Keep::First(cap) => {
                        let room = cap.saturating_sub(buf.len());
                        buf.extend_from_slice(&chunk[..n.min(room)]);
                    }
                    Keep::Last(cap) => {
                        buf.extend_from_slice(&chunk[..n]);
                        if buf.len() > cap {
                            let excess = buf.len() - cap;
                            buf.drain(..excess);
                        }
                    }
                }
            }
        }
        let _ = tx.send(());
    });
    (buf, rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQS: &str = r#"{"lambda_kit_description":1,"handler":"place","kind":"sqs","routes":[],"memory":null,"timeout":null,"architecture":null,"environment":[],"database":false,"source":null,"batch_size":null,"trigger":null,"api":null}"#;

    #[test]
    fn parses_the_contract_example() {
        let d = parse_description(&format!("{SQS}\n")).unwrap();
        assert_eq!(d.handler, "place");
        assert_eq!(d.kind, Kind::Sqs);
        assert_eq!(d.source, None);
    }

    #[test]
    fn ignores_unknown_fields() {
        let line = SQS.replace("\"api\":null", "\"api\":null,\"future\":{\"x\":[1]}");
        assert_eq!(parse_description(&line).unwrap().handler, "place");
    }

    #[test]
    fn full_description() {
        let line = r#"{"lambda_kit_description":1,"handler":"router","kind":"router","routes":[{"method":"GET","path":"/items/{id}"}],"memory":256,"timeout":10,"architecture":"arm64","environment":[{"name":"STAGE","value":"prod"}],"database":true,"source":null,"batch_size":null,"trigger":"url","api":"ItemsHttpApi"}"#;
        let d = parse_description(line).unwrap();
        assert_eq!(d.routes[0].path, "/items/{id}");
        assert_eq!(d.architecture, Some(Architecture::Arm64));
        assert_eq!(d.trigger, Some(Trigger::Url));
        assert!(d.database);
    }

    #[test]
    fn other_versions_are_refused() {
        let err = parse_description(&SQS.replace(":1,", ":2,")).unwrap_err();
        assert_eq!(err, DescribeError::Version(2));
        assert!(err.to_string().contains("reads version 1"), "{err}");
    }

    #[test]
    fn bad_json_and_bad_fields_are_invalid() {
        assert!(matches!(
            parse_description("{\"lambda_kit_description\":1,"),
            Err(DescribeError::Invalid(_))
        ));
        assert!(matches!(
            parse_description(&SQS.replace("\"sqs\"", "\"smtp\"")),
            Err(DescribeError::Invalid(_))
        ));
        assert!(matches!(
            parse_description(&SQS.replace("\"memory\":null", "\"memory\":64")),
            Err(DescribeError::Invalid(_))
        ));
    }

    #[test]
    fn other_output_is_no_description() {
        assert_eq!(parse_description(""), Err(DescribeError::NoDescription));
        assert_eq!(parse_description("hi\n"), Err(DescribeError::NoDescription));
        assert_eq!(
            parse_description("{\"hello\":1}"),
            Err(DescribeError::NoDescription)
        );
    }

    fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    const BOUND: Duration = Duration::from_secs(30);

    #[test]
    fn runner_reads_a_description() {
        let dir = tempfile::tempdir().unwrap();
        // It only describes itself under the variable, and without the
        // Runtime API variable.
        let body = format!(
            "[ \"$LAMBDA_KIT_DESCRIBE\" = 1 ] || exit 3\n[ -z \"$AWS_LAMBDA_RUNTIME_API\" ] || exit 4\nread x && exit 5\necho '{SQS}'"
        );
        let path = script(dir.path(), "ok", &body);
        assert_eq!(describe_bootstrap(&path, BOUND).unwrap().handler, "place");
    }

    #[test]
    fn runner_reports_no_description() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "hi", "echo hi");
        assert_eq!(
            describe_bootstrap(&path, BOUND),
            Err(DescribeError::NoDescription)
        );
        assert_eq!(
            describe_bootstrap(Path::new("/bin/true"), BOUND),
            Err(DescribeError::NoDescription)
        );
    }

    #[test]
    fn runner_reports_failure_with_stderr_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(
            dir.path(),
            "fail",
            "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line$i >&2; done; exit 7",
        );
        let err = describe_bootstrap(&path, BOUND).unwrap_err();
        let DescribeError::Failed {
            status,
            stderr_tail,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(status.contains('7'), "{status}");
        assert!(stderr_tail.starts_with("line3\n") && stderr_tail.ends_with("line12"));
        assert!(matches!(
            describe_bootstrap(Path::new("/bin/false"), BOUND),
            Err(DescribeError::Failed { .. })
        ));
    }

    #[test]
    fn runner_kills_after_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "slow", "exec sleep 30");
        let started = Instant::now();
        assert_eq!(
            describe_bootstrap(&path, Duration::from_millis(200)),
            Err(DescribeError::TimedOut(Duration::from_millis(200)))
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn runner_clears_the_environment() {
        let env = describe_environment([
            ("PATH".into(), "/bin".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "s".into()),
            ("DATABASE_URL".into(), "mysql://".into()),
            ("HOME".into(), "/h".into()),
            ("AWS_LAMBDA_RUNTIME_API".into(), "x".into()),
        ]);
        let names: Vec<&str> = env.iter().map(|(n, _)| n.to_str().unwrap()).collect();
        assert_eq!(names, ["PATH", "HOME", "LAMBDA_KIT_DESCRIBE"]);

        // And a real run sees nothing else: this test process's cargo
        // variables (and one set here) are not passed on.
        std::env::set_var("LAMBDA_KIT_CLI_TEST_LEAK", "1");
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            "[ -z \"$LAMBDA_KIT_CLI_TEST_LEAK\" ] || exit 3\n\
             [ -z \"$CARGO_PKG_NAME\" ] || exit 4\n\
             [ -n \"$PATH\" ] || exit 5\n\
             echo '{SQS}'"
        );
        let path = script(dir.path(), "env", &body);
        assert_eq!(describe_bootstrap(&path, BOUND).unwrap().handler, "place");
    }

    #[test]
    fn runner_kills_the_process_group_after_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // A grandchild that holds the pipes open and would outlive it.
        let body = format!(
            "sleep 30 &\necho $! > {}\nexec sleep 30",
            pid_file.display()
        );
        let path = script(dir.path(), "forks", &body);
        let started = Instant::now();
        assert_eq!(
            describe_bootstrap(&path, Duration::from_millis(300)),
            Err(DescribeError::TimedOut(Duration::from_millis(300)))
        );
        // The pipes closed at once: no wait for the grace period.
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        // Dead: gone, or a zombie its new parent has not reaped yet.
        let running = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        };
        let until = Instant::now() + Duration::from_secs(2);
        while running() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!running(), "grandchild {pid} still runs");
    }

    #[test]
    fn captured_output_is_capped() {
        let text = |reader: Reader| {
            reader.1.recv().unwrap();
            let buf = reader.0.lock().unwrap().clone();
            buf
        };
        let big = || Box::new(std::io::repeat(b'x').take(5 << 20)) as Box<dyn Read + Send>;
        assert_eq!(
            text(drain(Some(big()), Keep::First(STDOUT_CAP))).len(),
            STDOUT_CAP
        );
        let tail = Box::new(big().chain(&b"END"[..])) as Box<dyn Read + Send>;
        let kept = text(drain(Some(tail), Keep::Last(STDERR_CAP)));
        assert_eq!(kept.len(), STDERR_CAP);
        assert!(kept.ends_with(b"xEND"));
    }

    #[test]
    fn runner_reports_a_missing_executable() {
        assert!(matches!(
            describe_bootstrap(Path::new("/nonexistent/bootstrap"), BOUND),
            Err(DescribeError::Spawn(_))
        ));
    }
}
