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
//!
//! `--only concurrency` runs section 6 alone (several invocations in
//! flight, as on Lambda Managed Instances) and writes its report into a
//! temporary directory (`--out DIR` to write elsewhere), not over the
//! committed BENCHMARKS.md; `--concurrency-invocations N` and
//! `--concurrency-rounds N` size it, `--smoke` makes it a few seconds long.
//!
//! `--only metrics` runs the metrics comparison alone (`hello` recording
//! ten metrics per invocation against recording none) and writes its
//! section into a temporary directory (`--out DIR` to write elsewhere),
//! printing it too.
//!
//! `--instructions-only` prints callgrind's instructions per invocation for
//! the Rust variants of the overhead cases, the SQS batches and the pooled
//! database lookups (`#[rds_query]` and sqlx, over loopback) and nothing
//! else (`--only hello`, `echo`, `sqs_batch`, `sqs_batch_failing`,
//! `metrics`, `rds_lookup` or `charge`, the idempotency variants, for one case; `--compare-dir DIR` counts
//! DIR's builds of the same binaries next to them, e.g. a copy of the
//! release directory from before a change).

mod batch;
mod callgrind;
mod concurrency;
mod database;
mod idempotency;
mod machine;
mod metrics;
mod options;
mod proxy;
mod report;
mod rounds;
mod sizes;
mod stats;
mod variants;

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use callgrind::instructions;
use database::BenchDb;
use options::Options;
use proxy::LatencyProxy;
use rounds::{cold_starts, compare, compare_events, Comparison};
use sizes::{sizes, Size};
use variants::{Variant, BENCH};

/// One comparison of warm invocations: the variants (baseline last) on
/// one event, each checked against the expected reply.
struct Case {
    /// What `--only` calls it.
    name: &'static str,
    /// Its table's heading.
    title: String,
    variants: Vec<Variant>,
    event: Value,
    expected: Value,
}

/// `--instructions-only`: callgrind's count per invocation for each Rust
/// variant of case `name` (and its `--compare-dir` build), printed.
async fn count_only(
    name: &str,
    variants: &[Variant],
    event: &Value,
    expected: &Value,
    options: &Options,
) {
    if options.only.as_deref().is_some_and(|only| only != name) {
        return;
    }
    for variant in variants.iter().filter(|v| v.is_rust()) {
        let mut builds = vec![("", variant.clone())];
        if let Some(dir) = &options.compare_dir {
            builds.push((" [--compare-dir]", variant.clone().in_dir(dir)));
        }
        for (which, build) in builds {
            let counted = instructions(&build, event, expected, options).await;
            println!("{name}\t{}{which}\t{counted:.0}", variant.key);
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Results {
    pub options: Options,
    pub machine: machine::Machine,
    pub overhead: Vec<Comparison>,
    /// SQS batches, `#[lambda_handler(sqs)]` against the same loop
    /// hand-written.
    pub batch: Vec<Comparison>,
    /// `hello` recording ten metrics per invocation against none.
    pub metrics: Vec<Comparison>,
    pub cold_start: Comparison,
    pub database: Vec<Comparison>,
    /// The charge handler without idempotency, and idempotent on first
    /// and on repeat deliveries.
    pub idempotency: idempotency::Section,
    pub database_server: String,
    pub sizes: Vec<Size>,
    /// Several invocations at once, as on Lambda Managed Instances.
    pub concurrency: concurrency::Section,
    pub seconds: f64,
}

/// What `--only concurrency` measured.
#[derive(Debug, Serialize)]
pub struct ConcurrencyResults {
    pub options: Options,
    pub machine: machine::Machine,
    pub database_server: String,
    pub concurrency: concurrency::Section,
    pub seconds: f64,
}

/// What `--only metrics` measured.
#[derive(Debug, Serialize)]
pub struct MetricsResults {
    pub options: Options,
    pub machine: machine::Machine,
    pub metrics: Vec<Comparison>,
    pub seconds: f64,
}

/// `--only metrics`: the metrics comparison alone.
async fn metrics_only(options: Options, machine: machine::Machine, began: Instant) {
    let metrics = warm(&[metrics::case()], &options).await;
    report::write_metrics(&MetricsResults {
        machine: machine.finish(),
        metrics,
        seconds: began.elapsed().as_secs_f64(),
        options,
    });
}

/// Section 6's handlers: `rds_lookup` through the relay (waiting on the
/// database) and `echo` (a little CPU work).
fn concurrency_handlers(
    db_env: &[(String, String)],
    options: &Options,
) -> Vec<concurrency::Handler> {
    vec![
        concurrency::Handler {
            name: "rds_lookup",
            kind: format!("I/O-bound, {} ms simulated round trip", options.rtt_ms),
            kit: Variant::bin("`#[rds_query]`, pooled", "kit", "rds_lookup").with_env(db_env),
            raw: Variant::bin(
                "`run_concurrent`, `mysql_async` pool of up to N",
                "raw-concurrent",
                "bench_rds_lookup_concurrent_raw",
            )
            .with_env(db_env),
            sources: [
                "examples/rds_lookup/src/main.rs",
                "bench/src/rds_lookup_concurrent_raw.rs",
            ],
            event: json!({"name": "jhc"}),
            expected: json!("last row for jhc"),
            weight: 1,
        },
        concurrency::Handler {
            name: "echo",
            kind: "CPU-light".to_owned(),
            kit: Variant::bin("`#[lambda_handler]`", "kit", "echo"),
            raw: Variant::bin(
                "`run_concurrent`",
                "raw-concurrent",
                "bench_echo_concurrent_raw",
            ),
            sources: [
                "examples/echo/src/main.rs",
                "bench/src/echo_concurrent_raw.rs",
            ],
            event: json!({"key1": "value1", "key2": "value2", "key3": "value3"}),
            expected: json!("value1"),
            // Several times faster than a lookup through the relay: more
            // invocations keep each timed run long enough to time.
            weight: 5,
        },
    ]
}

/// `--only concurrency`: section 6 alone, with its own database and relay.
async fn concurrency_only(options: Options, machine: machine::Machine, began: Instant) {
    let db = open_database().await;
    let rtt = Duration::from_secs_f64(options.rtt_ms / 1000.0);
    let relay =
        LatencyProxy::start(database::socket_address(&db.server), rtt).expect("the relay listens");
    let section = concurrency::scaling(
        &concurrency_handlers(&db.env_via(relay.address()), &options),
        &options,
    )
    .await;
    db.drop_database().await;
    report::write_concurrency(&ConcurrencyResults {
        machine: machine.finish(),
        database_server: db.version.clone(),
        concurrency: section,
        seconds: began.elapsed().as_secs_f64(),
        options,
    });
}

async fn open_database() -> BenchDb {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    BenchDb::create(&url)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let options = Options::parse();
    let began = Instant::now();
    let machine = machine::Machine::describe(&options.python);
    eprintln!(
        "lambda-kit benchmark suite{}",
        if options.smoke { " (smoke)" } else { "" }
    );
    if options.only.as_deref() == Some("concurrency") && !options.instructions_only {
        concurrency_only(options, machine, began).await;
        return;
    }
    if options.only.as_deref() == Some(metrics::NAME) && !options.instructions_only {
        metrics_only(options, machine, began).await;
        return;
    }

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
        Case {
            name: "hello",
            title: "hello: warm invocations".to_owned(),
            variants: overhead_variants("hello", "bench_hello_raw", "hello.lambda_handler"),
            event: hello_event.clone(),
            expected: hello_reply.clone(),
        },
        Case {
            name: "echo",
            title: "echo: warm invocations".to_owned(),
            variants: overhead_variants("echo", "bench_echo_raw", "echo.lambda_handler"),
            event: echo_event,
            expected: echo_reply,
        },
    ];
    // SQS batches: every record succeeds, and two of them fail.
    let batch_variants = || {
        vec![
            Variant::bin("#[lambda_handler(sqs)]", "kit", "bench_batch_kit"),
            Variant::bin(
                "hand-written, current-thread runtime",
                "raw-ct",
                "bench_batch_raw",
            )
            .flavored("current_thread"),
            Variant::bin(
                "hand-written, #[tokio::main] (as documented)",
                "raw",
                "bench_batch_raw",
            ),
        ]
    };
    let records = batch::RECORDS;
    let batches = [
        (
            "sqs_batch",
            format!("sqs batch, {records} records"),
            &[][..],
        ),
        (
            "sqs_batch_failing",
            format!("sqs batch, {records} records, 2 failing"),
            &[3, 7][..],
        ),
    ]
    .map(|(name, title, failing)| {
        let (event, expected) = batch::sqs_batch(failing);
        Case {
            name,
            title: format!("{title}: warm invocations"),
            variants: batch_variants(),
            event,
            expected,
        }
    });
    let metrics_case = [metrics::case()];
    if options.instructions_only {
        for case in cases.iter().chain(&batches).chain(&metrics_case) {
            count_only(
                case.name,
                &case.variants,
                &case.event,
                &case.expected,
                &options,
            )
            .await;
        }
        if options
            .only
            .as_deref()
            .is_some_and(|only| only != "rds_lookup" && only != "charge")
        {
            return;
        }
    }
    // `--instructions-only` goes on to the database lookups alone.
    let (overhead, batch, metrics) = if options.instructions_only {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            warm(&cases, &options).await,
            warm(&batches, &options).await,
            warm(&metrics_case, &options).await,
        )
    };

    // 3. The database, directly and through a simulated network hop.
    let db = open_database().await;
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
    if options.instructions_only {
        // The pooled lookups, `#[rds_query]` and sqlx.
        let variants = db_variants(&db.env_via(server));
        count_only("rds_lookup", &variants[..2], &lookup, &found, &options).await;
        if options.only.as_deref().is_none_or(|only| only == "charge") {
            idempotency::count_only(&db, server, &options).await;
        }
        // Nothing else is measured, so nothing is written.
        db.drop_database().await;
        return;
    }
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
            let events = |_: usize, _: u64| (lookup.clone(), found.clone());
            let mut comparison = compare_events(
                format!("rds_lookup, {setting}"),
                &variants,
                &events,
                options.db_invocations,
                &options,
                // Round trips counted where they go through the relay.
                (address != server).then_some(&relay),
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
        // 3, continued: what idempotency costs, the same two settings.
        let idempotency = idempotency::measure(&db, server, &relay, &options).await;

        // 2. Cold starts, the init that opens the pool included.
        let kit_db = Variant::bin(
            "#[lambda_handler(init)] opening the rds pool",
            "kit-rds",
            "rds_lookup",
        )
        .with_env(&db.env_via(server));
        let hello = &cases[0].variants;
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

        // 6. Several invocations at once, the database through the relay.
        let concurrency = concurrency::scaling(
            &concurrency_handlers(&db.env_via(relay.address()), &options),
            &options,
        )
        .await;
        (database, idempotency, cold, concurrency)
    }
    .await;
    db.drop_database().await;
    let (database, idempotency, cold_start, concurrency) = outcome;

    // 4. Deployable size.
    let sizes = sizes(
        &[
            ("hello", "hello", "hello, #[lambda_handler]"),
            (BENCH, "bench_hello_raw", "hello, hand-written"),
            ("echo", "echo", "echo, #[lambda_handler]"),
            (BENCH, "bench_echo_raw", "echo, hand-written"),
            ("rds_lookup", "rds_lookup", "rds_lookup, #[rds_query]"),
            (BENCH, "bench_rds_sqlx", "rds_lookup, sqlx"),
            (BENCH, "bench_charge", "charge, without idempotency"),
            (
                BENCH,
                "bench_charge_idempotent",
                "charge, idempotency_key (as examples/charge)",
            ),
        ],
        &options,
    );

    let results = Results {
        machine: machine.finish(),
        overhead,
        batch,
        metrics,
        cold_start,
        database,
        idempotency,
        database_server: db.version.clone(),
        sizes,
        concurrency,
        seconds: began.elapsed().as_secs_f64(),
        options,
    };
    report::write(&results);
}

/// Each case's warm latency, and with callgrind its Rust variants'
/// instructions per invocation.
async fn warm(cases: &[Case], options: &Options) -> Vec<Comparison> {
    let mut comparisons = Vec::new();
    for case in cases {
        let mut comparison = compare(
            case.title.clone(),
            &case.variants,
            case.event.clone(),
            case.expected.clone(),
            options.invocations,
            options,
        )
        .await;
        if options.callgrind {
            for (variant, measured) in case.variants.iter().zip(&mut comparison.variants) {
                if variant.is_rust() {
                    measured.instructions =
                        Some(instructions(variant, &case.event, &case.expected, options).await);
                }
            }
            eprintln!("  {}: instructions counted", case.name);
        }
        comparisons.push(comparison);
    }
    comparisons
}
