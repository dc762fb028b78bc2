//! Per-invocation overhead of `#[lambda_handler]` against the same handler
//! hand-written on `lambda_runtime`, measured side by side in one run: both
//! bootstraps (release builds) serve the same events through the Runtime
//! API emulator over loopback, in interleaved rounds so drift hits both.
//!
//! `cargo run --release -p lambda-kit-bench --bin overhead [-- --invocations N --rounds R]`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde_json::{json, Value};

struct Variant {
    label: &'static str,
    binary: &'static str,
    samples: Vec<Duration>,
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
        let mut function = Function::spawn(sibling(variant.binary))
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

fn variants(kit: &'static str, raw: &'static str) -> Vec<Variant> {
    vec![
        Variant {
            label: "#[lambda_handler]",
            binary: kit,
            samples: Vec::new(),
        },
        Variant {
            label: "hand-written lambda_runtime",
            binary: raw,
            samples: Vec::new(),
        },
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
    compare(
        "hello (no event, constant reply)",
        json!({}),
        variants("bench_hello_kit", "bench_hello_raw"),
        per_round,
        rounds,
    )
    .await;
    compare(
        "echo (typed event, three log lines)",
        json!({"key1": "value1", "key2": "value2", "key3": "value3"}),
        variants("bench_echo_kit", "bench_echo_raw"),
        per_round,
        rounds,
    )
    .await;
}
