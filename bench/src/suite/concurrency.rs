//! Concurrency, as on Lambda Managed Instances: each bootstrap started with
//! `AWS_LAMBDA_MAX_CONCURRENCY=N` and kept busy with N invocations in
//! flight, a new one queued as soon as one is answered. Throughput is
//! invocations answered per second of wall-clock time; latency is each
//! invocation's, queued to answered.

use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::options::Options;
use crate::rounds::peak_rss_kib;
use crate::stats::Stats;
use crate::variants::{quiet, Variant};

/// Invocations in flight at each level.
pub const LEVELS: [usize; 5] = [1, 2, 4, 8, 16];

const MAX_CONCURRENCY: &str = "AWS_LAMBDA_MAX_CONCURRENCY";

/// One handler, as the lambda-kit example and hand-written on
/// `run_concurrent`.
pub struct Handler {
    pub name: &'static str,
    /// What kind of work it is, for the heading.
    pub kind: String,
    pub kit: Variant,
    pub raw: Variant,
    /// Where the two bootstraps' code is.
    pub sources: [&'static str; 2],
    pub event: Value,
    pub expected: Value,
    /// Its timed invocations, as a multiple of `--concurrency-invocations`:
    /// a cheap handler needs more for its runs to last long enough to time.
    pub weight: usize,
}

/// Timed invocations of `handler` per variant and level in each round.
pub fn per_round(handler_weight: usize, options: &Options) -> usize {
    (options.concurrency_invocations * handler_weight / options.concurrency_rounds).max(1)
}

/// One variant at one level, over all rounds.
#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    pub label: &'static str,
    pub key: &'static str,
    pub invocations: usize,
    /// Wall-clock time of the timed invocations, summed over the rounds.
    pub seconds: f64,
    /// Invocations answered per second of that time.
    pub per_second: f64,
    /// Per-invocation latency (its `per_second` is one client's rate, not
    /// the bootstrap's: see `per_second` above).
    pub latency: Stats,
    /// Peak resident set (VmHWM), the largest over the rounds' processes.
    pub peak_rss_kib: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Level {
    pub concurrency: usize,
    /// The lambda-kit example first, then the hand-written bootstrap.
    pub variants: Vec<Measured>,
}

/// The section: one table per handler.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub tables: Vec<Scaling>,
    /// How long the section took, process starts and warm-ups included.
    pub seconds: f64,
}

/// One handler's table.
#[derive(Clone, Debug, Serialize)]
pub struct Scaling {
    pub name: &'static str,
    pub kind: String,
    pub sources: [&'static str; 2],
    pub event: Value,
    pub levels: Vec<Level>,
}

/// What one timed run of one variant at one level collected.
#[derive(Default)]
struct Runs {
    samples: Vec<Duration>,
    wall: Duration,
    peak: Option<u64>,
}

/// Every handler at every level, `options.concurrency_rounds` times over.
/// Within a round the handlers, the levels and both variants take turns,
/// each run in a new process warmed up at its level, so drift in the
/// machine's load hits every cell of the tables alike.
pub async fn scaling(handlers: &[Handler], options: &Options) -> Section {
    let began = Instant::now();
    let rounds = options.concurrency_rounds;
    let mut runs: Vec<Vec<[Runs; 2]>> = handlers
        .iter()
        .map(|_| LEVELS.iter().map(|_| Default::default()).collect())
        .collect();
    for round in 0..rounds {
        // Each round starts at another level, so none always runs last.
        for (h, handler) in handlers.iter().enumerate() {
            for l in (0..LEVELS.len()).map(|i| (i + round) % LEVELS.len()) {
                let level = LEVELS[l];
                // Neither variant always goes first.
                for v in [(round + l) % 2, (round + l + 1) % 2] {
                    let variant = [&handler.kit, &handler.raw][v];
                    let run = &mut runs[h][l][v];
                    let (samples, wall, peak) = timed(
                        variant,
                        handler,
                        level,
                        per_round(handler.weight, options),
                        options,
                    )
                    .await;
                    run.samples.extend(samples);
                    run.wall += wall;
                    run.peak = run.peak.max(peak);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        eprintln!("  concurrency: round {} of {rounds} done", round + 1);
    }
    let tables = handlers
        .iter()
        .zip(runs)
        .map(|(handler, levels)| Scaling {
            name: handler.name,
            kind: handler.kind.clone(),
            sources: handler.sources,
            event: handler.event.clone(),
            levels: LEVELS
                .iter()
                .zip(levels)
                .map(|(&concurrency, pair)| Level {
                    concurrency,
                    variants: [&handler.kit, &handler.raw]
                        .into_iter()
                        .zip(pair)
                        .map(|(variant, run)| Measured {
                            label: variant.label,
                            key: variant.key,
                            invocations: run.samples.len(),
                            seconds: run.wall.as_secs_f64(),
                            per_second: run.samples.len() as f64 / run.wall.as_secs_f64(),
                            latency: Stats::of(&run.samples),
                            peak_rss_kib: run.peak,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Section {
        tables,
        seconds: began.elapsed().as_secs_f64(),
    }
}

/// One process of `variant` at `level`: warmed up with `level` in flight
/// (so a pool has opened its connections), then `count` timed invocations.
async fn timed(
    variant: &Variant,
    handler: &Handler,
    level: usize,
    count: usize,
    options: &Options,
) -> (Vec<Duration>, Duration, Option<u64>) {
    let mut command = variant.command(options, &quiet());
    // At level 1 the variable is unset, as on Lambda without Managed
    // Instances: what is measured there is each bootstrap's sequential path.
    if level > 1 {
        command.env(MAX_CONCURRENCY, level.to_string());
    } else {
        command.env_remove(MAX_CONCURRENCY);
    }
    let mut function = Function::spawn_command(command)
        .await
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", variant.label));
    let payload = serde_json::to_vec(&handler.event).expect("the event serializes");
    let warm_up = (4 * level).max(20);
    let checked = async {
        in_flight(&mut function, level, warm_up, &payload, &handler.expected).await?;
        in_flight(&mut function, level, count, &payload, &handler.expected).await
    }
    .await;
    let (samples, wall) = checked.unwrap_or_else(|err| {
        panic!(
            "{} at {level} in flight: {err}\n{}",
            variant.label,
            function.output()
        )
    });
    let peak = peak_rss_kib(function.pid());
    drop(function);
    (samples, wall, peak)
}

/// `count` invocations, `level` of them in flight at any time: each answer
/// queues the next. Returns each one's latency and the wall-clock time of
/// all of them, or what went wrong.
async fn in_flight(
    function: &mut Function,
    level: usize,
    count: usize,
    payload: &[u8],
    expected: &Value,
) -> Result<(Vec<Duration>, Duration), String> {
    let api = function.api();
    let mut tasks = JoinSet::new();
    let queue = |tasks: &mut JoinSet<_>| {
        let started = Instant::now();
        let answer = api.invoke_in_background(payload.to_vec());
        tasks.spawn(async move { (answer.await, started.elapsed()) });
    };
    let began = Instant::now();
    let mut queued = 0;
    while queued < level.min(count) {
        queue(&mut tasks);
        queued += 1;
    }
    let mut samples = Vec::with_capacity(count);
    while let Some(joined) = tasks.join_next().await {
        let (answer, took) = joined.map_err(|err| err.to_string())?;
        match answer.map(|completion| completion.into_result()) {
            Ok(Ok(reply)) if &reply == expected => samples.push(took),
            other => return Err(format!("answered {other:?}, expected {expected}")),
        }
        if queued < count {
            queue(&mut tasks);
            queued += 1;
        }
    }
    Ok((samples, began.elapsed()))
}
