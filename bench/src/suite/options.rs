//! The command line: what to measure, how much, and where to write it.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde::Serialize;

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
    /// Timed invocations per variant and concurrency level (a multiple of
    /// it for cheap handlers).
    pub concurrency_invocations: usize,
    /// Rounds of the concurrency section (each variant and level once per
    /// round, in a new process).
    pub concurrency_rounds: usize,
    /// Simulated round-trip time to the database, besides loopback.
    pub rtt_ms: f64,
    pub callgrind: bool,
    pub cargo_lambda: bool,
    pub python: String,
    /// `--instructions-only`: print callgrind's counts for the overhead
    /// cases and stop, writing nothing (no timing, database or sizes).
    #[serde(skip)]
    pub instructions_only: bool,
    /// `--only NAME`: with `--instructions-only`, the case named NAME
    /// (`hello`, `echo`, `sqs_batch`, `sqs_batch_failing`, `metrics`,
    /// `rds_lookup`, `charge`) alone; without it, `--only concurrency` or
    /// `--only metrics` runs that section alone and writes its report into a
    /// temporary directory (or `--out DIR`).
    #[serde(skip)]
    pub only: Option<String>,
    /// `--compare-dir DIR`: with `--instructions-only`, each Rust variant's
    /// binary in DIR (say, a copy of an earlier build) counted next to it.
    #[serde(skip)]
    pub compare_dir: Option<PathBuf>,
    #[serde(skip)]
    pub out: PathBuf,
    #[serde(skip)]
    pub markdown: PathBuf,
}

impl Options {
    pub fn parse() -> Options {
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
        let only = value("--only");
        // A partial run must not overwrite the committed report.
        let partial = only
            .as_deref()
            .filter(|only| ["concurrency", "metrics"].contains(only))
            .filter(|_| !flag("--instructions-only"));
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("bench/ is in the repository")
            .to_path_buf();
        let (out, markdown) = match value("--out") {
            Some(dir) => (
                PathBuf::from(&dir),
                PathBuf::from(dir).join("BENCHMARKS.md"),
            ),
            None if smoke || partial.is_some() => {
                let dir = std::env::temp_dir().join(format!(
                    "lambda-kit-bench-{}-{}",
                    partial.unwrap_or("smoke"),
                    std::process::id()
                ));
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
            concurrency_invocations: number("--concurrency-invocations", scale(4_000, 64)),
            concurrency_rounds: number("--concurrency-rounds", scale(8, 1)).max(1),
            rtt_ms: value("--rtt-ms").map_or(1.0, |v| v.parse().expect("milliseconds")),
            callgrind: !smoke && !flag("--no-callgrind") && succeeds("valgrind", &["--version"]),
            cargo_lambda: !smoke && !flag("--no-cargo-lambda"),
            python: value("--python").unwrap_or_else(|| "python3".to_owned()),
            instructions_only: flag("--instructions-only"),
            only,
            compare_dir: value("--compare-dir").map(PathBuf::from),
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
