//! The benchmark suite: lambda-kit side by side with hand-written
//! `lambda_runtime` bootstraps, the original Python handlers (run by
//! `awslambdaric`) and `sqlx`, in one run on this machine. Every variant is
//! a real process serving events from the Runtime API emulator over
//! loopback; variants take turns in interleaved rounds so that drift in the
//! machine's load hits all of them alike.
//!
//! `bash bench/run.sh` installs the Python packages and runs this; directly:
//! `cargo run --release -p lambda-kit-bench --bin suite -- --python PATH`.
//! It writes BENCHMARKS.md, bench/results/results.json and the plot
//! bench/results/benchmarks.png (`--out DIR` to write elsewhere; `--smoke`
//! for a seconds-long run into a temporary directory).

mod database;
mod proxy;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::process::Command;

use database::BenchDb;
use proxy::LatencyProxy;
use stats::Stats;

/// What the command line asks for.
#[derive(Clone, Debug, Serialize)]
pub struct Options {
    pub smoke: bool,
    /// Timed invocations per variant for the overhead comparison.
    pub invocations: usize,
    pub rounds: usize,
    /// Timed invocations per variant and network setting for the database.
    pub db_invocations: usize,
    /// Cold starts per variant.
    pub cold_starts: usize,
    /// Simulated round-trip time to the database, besides loopback.
    pub rtt_ms: f64,
    pub callgrind: bool,
    pub cargo_lambda: bool,
    pub python: String,
    #[serde(skip)]
    pub out: PathBuf,
    #[serde(skip)]
    pub markdown: PathBuf,
}

impl Options {
    fn parse() -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let flag = |name: &str| args.iter().any(|a| a == name);
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        let number = |name: &str, default: usize| {
            value(name).map_or(default, |v| v.parse().expect("a whole number"))
        };
        let smoke = flag("--smoke");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("bench/ is in the repository")
            .to_path_buf();
        let (out, markdown) = match value("--out") {
            Some(dir) => (
                PathBuf::from(&dir),
                PathBuf::from(dir).join("BENCHMARKS.md"),
            ),
            None if smoke => {
                let dir = std::env::temp_dir()
                    .join(format!("lambda-kit-bench-smoke-{}", std::process::id()));
                (dir.clone(), dir.join("BENCHMARKS.md"))
            }
            None => (repo.join("bench/results"), repo.join("BENCHMARKS.md")),
        };
        let scale = |full: usize, tiny: usize| if smoke { tiny } else { full };
        Options {
            smoke,
            invocations: number("--invocations", scale(10_000, 40)),
            rounds: number("--rounds", scale(50, 2)).max(1),
            db_invocations: number("--db-invocations", scale(2_000, 20)),
            cold_starts: number("--cold-starts", scale(20, 2)).max(1),
            rtt_ms: value("--rtt-ms").map_or(1.0, |v| v.parse().expect("milliseconds")),
            callgrind: !smoke && !flag("--no-callgrind") && succeeds("valgrind", &["--version"]),
            cargo_lambda: !smoke && !flag("--no-cargo-lambda"),
            python: value("--python").unwrap_or_else(|| "python3".to_owned()),
            out,
            markdown,
        }
    }
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    StdCommand::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// How a variant's process is started.
#[derive(Clone, Debug)]
enum Program {
    /// A bootstrap built next to this driver, with `BENCH_FLAVOR` if given.
    Bin(&'static str, Option<&'static str>),
    /// `python -m awslambdaric module.handler` in bench/python.
    Python(&'static str),
}

/// One contestant.
#[derive(Clone, Debug)]
pub struct Variant {
    pub label: &'static str,
    /// Short name for the plot and the JSON.
    pub key: &'static str,
    program: Program,
    env: Vec<(String, String)>,
}

impl Variant {
    fn bin(label: &'static str, key: &'static str, binary: &'static str) -> Variant {
        Variant {
            label,
            key,
            program: Program::Bin(binary, None),
            env: Vec::new(),
        }
    }

    fn flavored(mut self, flavor: &'static str) -> Variant {
        if let Program::Bin(binary, _) = self.program {
            self.program = Program::Bin(binary, Some(flavor));
        }
        self
    }

    fn python(label: &'static str, key: &'static str, handler: &'static str) -> Variant {
        Variant {
            label,
            key,
            program: Program::Python(handler),
            env: Vec::new(),
        }
    }

    fn with_env(mut self, env: &[(String, String)]) -> Variant {
        self.env.extend_from_slice(env);
        self
    }

    fn is_rust(&self) -> bool {
        matches!(self.program, Program::Bin(..))
    }

    /// The command that starts it; under `wrapper` (e.g. valgrind) if given.
    fn command(&self, options: &Options, wrapper: &[String]) -> Command {
        let (program, args): (PathBuf, &[&str]) = match &self.program {
            Program::Bin(binary, _) => (sibling(binary), &[]),
            Program::Python(handler) => (
                PathBuf::from(&options.python),
                &["-m", "awslambdaric", handler],
            ),
        };
        let mut command = match wrapper.split_first() {
            Some((wrapper, wrapper_args)) => {
                let mut command = Command::new(wrapper);
                command.args(wrapper_args).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.args(args);
        match &self.program {
            Program::Bin(_, Some(flavor)) => {
                command.env("BENCH_FLAVOR", flavor);
            }
            Program::Bin(_, None) => {}
            Program::Python(_) => {
                command
                    .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/python"))
                    // Lambda's Python runtime writes each line as printed.
                    .env("PYTHONUNBUFFERED", "1");
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

/// Timed runs send the function's stdout (its logs) to /dev/null: the
/// emulator would otherwise capture every line, and waking up for them
/// would land in the measured latency by chance. Stderr stays captured.
fn quiet() -> Vec<String> {
    ["sh", "-c", "exec \"$0\" \"$@\" > /dev/null"]
        .map(str::to_owned)
        .to_vec()
}

/// The package of the alternatives written for comparison; each example
/// (through `#[lambda_handler]`) is a package of the same name as its binary.
const BENCH: &str = "lambda-kit-bench";

/// A binary of the same build as this one. The examples come from packages
/// of their own, each built alone so it links only what it uses (bench/run.sh
/// does: `cargo build --release -p hello`, likewise echo and rds_lookup).
fn sibling(binary: &str) -> PathBuf {
    let path = std::env::current_exe()
        .expect("current exe")
        .with_file_name(binary);
    assert!(
        path.exists(),
        "{} is not built: run `bash bench/run.sh`, or `cargo build --release -p NAME` for \
         each of hello, echo and rds_lookup before the suite",
        path.display()
    );
    path
}

/// One variant's figures in one comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    pub label: &'static str,
    pub key: &'static str,
    pub rust: bool,
    pub stats: Stats,
    /// Peak resident set (VmHWM) after the timed invocations.
    pub peak_rss_kib: Option<u64>,
    /// Instructions per invocation, counted by callgrind.
    pub instructions: Option<f64>,
}

/// One table of the report.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub title: String,
    pub event: Value,
    pub baseline: &'static str,
    pub variants: Vec<Measured>,
}

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Results {
    pub options: Options,
    pub machine: report::Machine,
    pub overhead: Vec<Comparison>,
    pub cold_start: Comparison,
    pub database: Vec<Comparison>,
    pub database_server: String,
    pub sizes: Vec<Size>,
    pub seconds: f64,
}

/// A `cargo lambda build --release` bootstrap.
#[derive(Clone, Debug, Serialize)]
pub struct Size {
    pub binary: &'static str,
    pub label: &'static str,
    pub bytes: Option<u64>,
    pub note: String,
}

fn peak_rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn start(variant: &Variant, options: &Options) -> Function {
    Function::spawn_command(variant.command(options, &quiet()))
        .await
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", variant.label))
}

/// Invokes once and checks the answer.
async fn invoke(function: &mut Function, variant: &Variant, event: &Value, expected: &Value) {
    match function.invoke(event).await {
        Ok(Ok(reply)) if &reply == expected => {}
        other => panic!(
            "{} answered {other:?}, expected {expected}\n{}",
            variant.label,
            function.output()
        ),
    }
}

/// Warm latency, the variants taking turns round by round. Each round
/// starts every variant in a new process and warms it up before timing it,
/// so neither the order nor where the scheduler happened to place a process
/// favours one variant for the whole run.
async fn compare(
    title: String,
    variants: &[Variant],
    event: Value,
    expected: Value,
    invocations: usize,
    options: &Options,
) -> Comparison {
    let per_round = (invocations / options.rounds).max(1);
    let warm_up = (per_round / 5).clamp(5, 50);
    let mut samples = vec![Vec::with_capacity(per_round * options.rounds); variants.len()];
    let mut peaks: Vec<Option<u64>> = vec![None; variants.len()];
    for round in 0..options.rounds {
        for i in (0..variants.len()).map(|i| (i + round) % variants.len()) {
            let variant = &variants[i];
            let mut function = start(variant, options).await;
            for _ in 0..warm_up {
                invoke(&mut function, variant, &event, &expected).await;
            }
            for _ in 0..per_round {
                let started = Instant::now();
                let reply = function.invoke(&event).await;
                samples[i].push(started.elapsed());
                if !matches!(&reply, Ok(Ok(r)) if r == &expected) {
                    panic!("{} answered {reply:?}", variant.label);
                }
            }
            peaks[i] = peaks[i].max(peak_rss_kib(function.pid()));
            drop(function);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let measured = variants
        .iter()
        .zip(&samples)
        .zip(peaks)
        .map(|((variant, samples), peak)| Measured {
            label: variant.label,
            key: variant.key,
            rust: variant.is_rust(),
            stats: Stats::of(samples),
            peak_rss_kib: peak,
            instructions: None,
        })
        .collect();
    eprintln!("  {title}: done");
    Comparison {
        title,
        event,
        baseline: variants.last().expect("variants").label,
        variants: measured,
    }
}

/// Instructions one bootstrap executes per invocation: callgrind's count
/// for 1,100 invocations minus its count for 100, over 1,000.
async fn instructions(
    variant: &Variant,
    event: &Value,
    expected: &Value,
    options: &Options,
) -> f64 {
    let mut totals = Vec::new();
    for invocations in [100, 1100] {
        let out = std::env::temp_dir().join(format!(
            "lambda-kit-callgrind-{}-{}-{invocations}.out",
            variant.key,
            std::process::id()
        ));
        let wrapper = [
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ];
        let mut function = Function::spawn_command(variant.command(options, &wrapper))
            .await
            .expect("valgrind starts");
        for _ in 0..invocations {
            invoke(&mut function, variant, event, expected).await;
        }
        function.shut_down().await.expect("the bootstrap exits");
        let profile = std::fs::read_to_string(&out).expect("callgrind wrote its profile");
        if std::env::args().any(|a| a == "--keep-profiles") {
            eprintln!("  kept {}", out.display());
        } else {
            let _ = std::fs::remove_file(&out);
        }
        totals.push(
            profile
                .lines()
                .find_map(|l| {
                    l.strip_prefix("summary: ")
                        .or_else(|| l.strip_prefix("totals: "))
                })
                .and_then(|n| n.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
                .expect("callgrind profile has a summary line"),
        );
    }
    totals[1].saturating_sub(totals[0]) as f64 / 1000.0
}

/// Process start to first answer, `options.cold_starts` times each, in turns.
async fn cold_starts(variants: &[(Variant, Value, Value)], options: &Options) -> Comparison {
    let mut samples = vec![Vec::new(); variants.len()];
    for round in 0..options.cold_starts {
        // Each round starts with another variant, so none always follows
        // the heaviest one.
        for i in (0..variants.len()).map(|i| (i + round) % variants.len()) {
            let (variant, event, expected) = &variants[i];
            let started = Instant::now();
            let mut function = start(variant, options).await;
            invoke(&mut function, variant, event, expected).await;
            samples[i].push(started.elapsed());
            drop(function);
            // Let the killed process go before the next one starts.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!("  cold starts: done");
    Comparison {
        title: "Cold start: process spawn to first response".to_owned(),
        event: Value::Null,
        baseline: variants[2].0.label,
        variants: variants
            .iter()
            .zip(&samples)
            .map(|((variant, ..), samples)| Measured {
                label: variant.label,
                key: variant.key,
                rust: variant.is_rust(),
                stats: Stats::of(samples),
                peak_rss_kib: None,
                instructions: None,
            })
            .collect(),
    }
}

/// Builds the deployable bootstraps with cargo-lambda and weighs them.
fn sizes(binaries: &[(&'static str, &'static str, &'static str)], options: &Options) -> Vec<Size> {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    binaries
        .iter()
        .map(|&(package, binary, label)| {
            let built = options.cargo_lambda
                && StdCommand::new("cargo")
                    .args([
                        "lambda",
                        "build",
                        "--release",
                        "-p",
                        package,
                        "--bin",
                        binary,
                    ])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .status()
                    .is_ok_and(|s| s.success());
            let path = target.join("lambda").join(binary).join("bootstrap");
            let bytes = if built {
                std::fs::metadata(&path).ok().map(|m| m.len())
            } else {
                None
            };
            let note = match bytes {
                Some(_) => StdCommand::new("file")
                    .arg(&path)
                    .output()
                    .map(|o| {
                        let text = String::from_utf8_lossy(&o.stdout);
                        if text.contains("not stripped") {
                            "not stripped".to_owned()
                        } else if text.contains("stripped") {
                            "stripped".to_owned()
                        } else {
                            String::new()
                        }
                    })
                    .unwrap_or_default(),
                None if options.cargo_lambda => "cargo lambda build failed".to_owned(),
                None => "not built (--smoke or --no-cargo-lambda)".to_owned(),
            };
            Size {
                binary,
                label,
                bytes,
                note,
            }
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let options = Options::parse();
    let began = Instant::now();
    let machine = report::Machine::describe(&options.python);
    eprintln!(
        "lambda-kit benchmark suite{}",
        if options.smoke { " (smoke)" } else { "" }
    );

    // 1. Per-invocation overhead, with the baseline last.
    let hello_event = json!({});
    let hello_reply = json!("Hello World!!");
    let echo_event = json!({"key1": "value1", "key2": "value2", "key3": "value3"});
    let echo_reply = json!("value1");
    let overhead_variants = |kit, raw, python| {
        vec![
            Variant::bin("#[lambda_handler]", "kit", kit),
            Variant::python("Python (awslambdaric)", "python", python),
            Variant::bin("hand-written, current-thread runtime", "raw-ct", raw)
                .flavored("current_thread"),
            Variant::bin("hand-written, #[tokio::main] (as documented)", "raw", raw),
        ]
    };
    let cases = [
        (
            "hello",
            overhead_variants("hello", "bench_hello_raw", "hello.lambda_handler"),
            &hello_event,
            &hello_reply,
        ),
        (
            "echo",
            overhead_variants("echo", "bench_echo_raw", "echo.lambda_handler"),
            &echo_event,
            &echo_reply,
        ),
    ];
    let mut overhead = Vec::new();
    for (name, variants, event, expected) in &cases {
        let mut comparison = compare(
            format!("{name}: warm invocations"),
            variants,
            (*event).clone(),
            (*expected).clone(),
            options.invocations,
            &options,
        )
        .await;
        if options.callgrind {
            for (variant, measured) in variants.iter().zip(&mut comparison.variants) {
                if variant.is_rust() {
                    measured.instructions =
                        Some(instructions(variant, event, expected, &options).await);
                }
            }
            eprintln!("  {name}: instructions counted");
        }
        overhead.push(comparison);
    }

    // 3. The database, directly and through a simulated network hop.
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let db = BenchDb::create(&url)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let server = database::socket_address(&db.server);
    let lookup = json!({"name": "jhc"});
    let found = json!("last row for jhc");
    let db_variants = |env: &[(String, String)]| {
        vec![
            Variant::bin("#[rds_query], pooled", "kit", "rds_lookup").with_env(env),
            Variant::bin("sqlx pool, same query", "sqlx", "bench_rds_sqlx").with_env(env),
            Variant::bin(
                "Rust, connect per invocation (mysql_async)",
                "connect",
                "bench_rds_connect",
            )
            .with_env(env),
            Variant::python(
                "Python, connect per invocation (pymysql, the original)",
                "python",
                "rds_lookup.lambda_handler",
            )
            .with_env(env),
        ]
    };
    let outcome = async {
        let mut database = Vec::new();
        let rtt = Duration::from_secs_f64(options.rtt_ms / 1000.0);
        let relay = LatencyProxy::start(server, rtt).expect("the relay listens");
        for (setting, address) in [
            ("loopback".to_owned(), server),
            (
                format!("{} ms simulated round trip", options.rtt_ms),
                relay.address(),
            ),
        ] {
            let variants = db_variants(&db.env_via(address));
            let mut comparison = compare(
                format!("rds_lookup, {setting}"),
                &variants,
                lookup.clone(),
                found.clone(),
                options.db_invocations,
                &options,
            )
            .await;
            comparison.baseline = variants[2].label;
            // Client-side work per lookup, counted once, without the relay.
            if options.callgrind && address == server {
                for (variant, measured) in variants.iter().zip(&mut comparison.variants) {
                    if variant.is_rust() {
                        measured.instructions =
                            Some(instructions(variant, &lookup, &found, &options).await);
                    }
                }
                eprintln!("  rds_lookup: instructions counted");
            }
            database.push(comparison);
        }

        // 2. Cold starts, the init that opens the pool included.
        let kit_db = Variant::bin(
            "#[lambda_handler(init)] opening the rds pool",
            "kit-rds",
            "rds_lookup",
        )
        .with_env(&db.env_via(server));
        let hello = &cases[0].1;
        let cold = cold_starts(
            &[
                (hello[0].clone(), hello_event.clone(), hello_reply.clone()),
                (hello[1].clone(), hello_event.clone(), hello_reply.clone()),
                (hello[3].clone(), hello_event.clone(), hello_reply.clone()),
                (hello[2].clone(), hello_event.clone(), hello_reply.clone()),
                (kit_db, lookup.clone(), found.clone()),
            ],
            &options,
        )
        .await;
        (database, cold)
    }
    .await;
    db.drop_database().await;
    let (database, cold_start) = outcome;

    // 4. Deployable size.
    let sizes = sizes(
        &[
            ("hello", "hello", "hello, #[lambda_handler]"),
            (BENCH, "bench_hello_raw", "hello, hand-written"),
            ("echo", "echo", "echo, #[lambda_handler]"),
            (BENCH, "bench_echo_raw", "echo, hand-written"),
            ("rds_lookup", "rds_lookup", "rds_lookup, #[rds_query]"),
            (BENCH, "bench_rds_sqlx", "rds_lookup, sqlx"),
        ],
        &options,
    );

    let results = Results {
        machine: machine.finish(),
        overhead,
        cold_start,
        database,
        database_server: db.version.clone(),
        sizes,
        seconds: began.elapsed().as_secs_f64(),
        options,
    };
    report::write(&results);
}
