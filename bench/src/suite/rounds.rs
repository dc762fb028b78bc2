//! Timed invocations and cold starts, the variants taking turns.

use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde::Serialize;
use serde_json::Value;

use crate::options::Options;
use crate::stats::Stats;
use crate::variants::{quiet, Variant};

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

pub fn peak_rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub async fn start(variant: &Variant, options: &Options) -> Function {
    Function::spawn_command(variant.command(options, &quiet()))
        .await
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", variant.label))
}

/// Invokes once and checks the answer.
pub async fn invoke(function: &mut Function, variant: &Variant, event: &Value, expected: &Value) {
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
pub async fn compare(
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

/// Process start to first answer, `options.cold_starts` times each, in turns.
pub async fn cold_starts(variants: &[(Variant, Value, Value)], options: &Options) -> Comparison {
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
