//! Timed invocations and cold starts, the variants taking turns.

use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde::Serialize;
use serde_json::Value;

use crate::options::Options;
use crate::proxy::LatencyProxy;
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
    /// Round trips to the database per timed invocation, counted by the
    /// relay it went through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_trips: Option<f64>,
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
    let events = |_: usize, _: u64| (event.clone(), expected.clone());
    compare_events(title, variants, &events, invocations, options, None).await
}

/// The event of variant `i`'s `n`th invocation (counting from 0 over its
/// rounds, warm-ups included) and the reply expected.
pub type Events<'a> = &'a dyn Fn(usize, u64) -> (Value, Value);

/// [`compare`] with an event per invocation; the variants' round trips to
/// the database counted if they reach it through `relay`. The
/// comparison's `event` is variant 0's first.
pub async fn compare_events(
    title: String,
    variants: &[Variant],
    events: Events<'_>,
    invocations: usize,
    options: &Options,
    relay: Option<&LatencyProxy>,
) -> Comparison {
    let per_round = (invocations / options.rounds).max(1);
    let warm_up = (per_round / 5).clamp(5, 50);
    let mut samples = vec![Vec::with_capacity(per_round * options.rounds); variants.len()];
    let mut peaks: Vec<Option<u64>> = vec![None; variants.len()];
    let mut sent = vec![0_u64; variants.len()];
    let mut turns = vec![0_u64; variants.len()];
    for round in 0..options.rounds {
        for i in (0..variants.len()).map(|i| (i + round) % variants.len()) {
            let variant = &variants[i];
            let mut next = || {
                sent[i] += 1;
                events(i, sent[i] - 1)
            };
            let mut function = start(variant, options).await;
            for _ in 0..warm_up {
                let (event, expected) = next();
                invoke(&mut function, variant, &event, &expected).await;
            }
            let before = relay.map(LatencyProxy::turns);
            for _ in 0..per_round {
                let (event, expected) = next();
                let started = Instant::now();
                let reply = function.invoke(&event).await;
                samples[i].push(started.elapsed());
                if !matches!(&reply, Ok(Ok(r)) if r == &expected) {
                    panic!("{} answered {reply:?}, expected {expected}", variant.label);
                }
            }
            if let (Some(relay), Some(before)) = (relay, before) {
                turns[i] += relay.turns() - before;
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
        .zip(turns)
        .map(|(((variant, samples), peak), turns)| Measured {
            label: variant.label,
            key: variant.key,
            rust: variant.is_rust(),
            stats: Stats::of(samples),
            peak_rss_kib: peak,
            instructions: None,
            round_trips: relay.map(|_| turns as f64 / samples.len() as f64),
        })
        .collect();
    eprintln!("  {title}: done");
    Comparison {
        title,
        event: events(0, 0).0,
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
                round_trips: None,
            })
            .collect(),
    }
}
