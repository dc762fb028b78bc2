//! Per-invocation overhead of `#[lambda_handler]` against the same handler
//! hand-written on `lambda_runtime`, measured side by side in one run: both
//! bootstraps (release builds) serve the same events through the Runtime
//! API emulator over loopback, in interleaved rounds so drift hits both.
//!
//! `cargo run --release -p lambda-kit-bench --bin overhead [-- --invocations N --rounds R]`
//!
//! Wall-clock numbers on a shared 2-core machine are noisy, so it also
//! counts the instructions each bootstrap executes per invocation with
//! `valgrind --tool=callgrind` (repeatable whatever else runs): the count for
//! 1,100 invocations minus the count for 100, divided by 1,000. Skipped with
//! `--no-callgrind` or when valgrind is not installed; `--keep-profiles`
//! leaves the profiles in the temp directory for `callgrind_annotate`.

use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde_json::{json, Value};
use tokio::process::Command;

struct Variant {
    label: &'static str,
    binary: &'static str,
    /// `BENCH_FLAVOR` for the hand-written bootstraps.
    flavor: Option<&'static str>,
    samples: Vec<Duration>,
}

impl Variant {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        if let Some(flavor) = self.flavor {
            command.env("BENCH_FLAVOR", flavor);
        }
        command
    }
}

fn sibling(binary: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name(binary)
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

async fn compare(
    title: &str,
    event: Value,
    mut variants: Vec<Variant>,
    per_round: usize,
    rounds: usize,
) {
    let mut functions = Vec::new();
    for variant in &variants {
        let mut function = Function::spawn_command(variant.command(sibling(variant.binary)))
            .await
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", variant.binary));
        for _ in 0..200 {
            function
                .invoke(&event)
                .await
                .expect("warm-up")
                .expect("warm-up succeeds");
        }
        functions.push(function);
    }
    for _ in 0..rounds {
        for (variant, function) in variants.iter_mut().zip(&mut functions) {
            for _ in 0..per_round {
                let start = Instant::now();
                let reply = function.invoke(&event).await.expect("invocation");
                variant.samples.push(start.elapsed());
                reply.expect("handler succeeds");
            }
        }
    }
    println!("\n### {title}\n");
    println!("| variant | invocations | invocations/s | min µs | median µs | p99 µs | median vs hand-written |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let baseline = {
        let mut raw = variants.last().expect("baseline last").samples.clone();
        raw.sort();
        percentile(&raw, 0.5)
    };
    for variant in &mut variants {
        variant.samples.sort();
        let total: Duration = variant.samples.iter().sum();
        let median = percentile(&variant.samples, 0.5);
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {:.3} |",
            variant.label,
            variant.samples.len(),
            variant.samples.len() as f64 / total.as_secs_f64(),
            micros(variant.samples[0]),
            micros(median),
            micros(percentile(&variant.samples, 0.99)),
            median.as_secs_f64() / baseline.as_secs_f64(),
        );
    }
}

/// Instructions a bootstrap executes to serve `invocations` events, init
/// and shutdown included.
async fn instructions(variant: &Variant, event: &Value, invocations: usize) -> u64 {
    let out = std::env::temp_dir().join(format!(
        "lambda-kit-callgrind-{}{}-{}-{invocations}.out",
        variant.binary,
        variant.flavor.map(|f| format!("-{f}")).unwrap_or_default(),
        std::process::id()
    ));
    let mut command = variant.command("valgrind");
    command
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(sibling(variant.binary));
    let mut function = Function::spawn_command(command)
        .await
        .expect("valgrind starts");
    for _ in 0..invocations {
        function
            .invoke(event)
            .await
            .expect("invocation")
            .expect("handler succeeds");
    }
    function.shut_down().await.expect("the bootstrap exits");
    let profile = std::fs::read_to_string(&out).expect("callgrind wrote its profile");
    if std::env::args().any(|a| a == "--keep-profiles") {
        eprintln!("kept {}", out.display());
    } else {
        let _ = std::fs::remove_file(&out);
    }
    profile
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary: ")
                .or_else(|| l.strip_prefix("totals: "))
        })
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("callgrind profile has a summary line")
}

async fn count_instructions(title: &str, event: Value, variants: &[Variant]) {
    println!("\n### {title}: instructions per invocation (callgrind)\n");
    println!("| variant | instructions / invocation | vs hand-written |");
    println!("|---|---:|---:|");
    let mut counts = Vec::new();
    for variant in variants {
        let few = instructions(variant, &event, 100).await;
        let many = instructions(variant, &event, 1100).await;
        counts.push((variant.label, many.saturating_sub(few) as f64 / 1000.0));
    }
    let baseline = counts.last().expect("baseline last").1;
    for (label, per_invocation) in counts {
        println!(
            "| {label} | {per_invocation:.0} | {:.3} |",
            per_invocation / baseline
        );
    }
}

fn valgrind_available() -> bool {
    StdCommand::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The baseline, `#[tokio::main]` + `lambda_runtime::run`, comes last.
fn variants(kit: &'static str, raw: &'static str) -> Vec<Variant> {
    let variant = |label, binary, flavor| Variant {
        label,
        binary,
        flavor,
        samples: Vec::new(),
    };
    vec![
        variant("#[lambda_handler]", kit, None),
        variant(
            "hand-written, current-thread runtime",
            raw,
            Some("current_thread"),
        ),
        variant("hand-written, #[tokio::main]", raw, None),
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let invocations = arg("--invocations", 10_000);
    let rounds = arg("--rounds", 10).max(1);
    let per_round = (invocations / rounds).max(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!(
        "Machine: {cpu}, {} cores. {} invocations per variant in {rounds} interleaved rounds, after 200 warm-up.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        per_round * rounds
    );
    let cases = [
        (
            "hello (no event, constant reply)",
            json!({}),
            ("bench_hello_kit", "bench_hello_raw"),
        ),
        (
            "echo (typed event, three log lines)",
            json!({"key1": "value1", "key2": "value2", "key3": "value3"}),
            ("bench_echo_kit", "bench_echo_raw"),
        ),
    ];
    for (title, event, (kit, raw)) in &cases {
        compare(title, event.clone(), variants(kit, raw), per_round, rounds).await;
    }
    let callgrind = !std::env::args().any(|a| a == "--no-callgrind");
    if callgrind && valgrind_available() {
        for (title, event, (kit, raw)) in &cases {
            count_instructions(title, event.clone(), &variants(kit, raw)).await;
        }
    } else if callgrind {
        println!("\n(valgrind not installed: no instruction counts)");
    }
}
