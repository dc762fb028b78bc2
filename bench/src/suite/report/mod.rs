//! BENCHMARKS.md, results.json and the plot, from one run's results. What
//! the report says about a variant comes from that run's numbers; the
//! explanations written by hand live in bench/NOTES.md and are appended
//! under a heading that says so.

mod concurrency;
mod cost;
mod idempotency;
mod metrics;
mod tables;
mod targets;

use std::fmt::Write as _;
use std::process::Command;

use crate::{ConcurrencyResults, MetricsResults, Results};

/// Hand-written explanations, kept apart from what a run measured.
const NOTES: &str = include_str!("../../../NOTES.md");

/// Writes results.json, the plot and BENCHMARKS.md; prints where.
pub fn write(results: &Results) {
    let out = &results.options.out;
    std::fs::create_dir_all(out).expect("the output directory can be created");
    let json = out.join("results.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(results).expect("serializable"),
    )
    .expect("results.json is writable");
    let png = out.join("benchmarks.png");
    let plotted = Command::new(&results.options.python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/plot.py"))
        .arg(&json)
        .arg(&png)
        .status()
        .is_ok_and(|s| s.success());
    let markdown = markdown(results, plotted.then_some(&png));
    std::fs::write(&results.options.markdown, markdown).expect("BENCHMARKS.md is writable");
    eprintln!(
        "wrote {}, {}{}",
        results.options.markdown.display(),
        json.display(),
        if plotted {
            format!(", {}", png.display())
        } else {
            " (no plot: matplotlib missing)".to_owned()
        }
    );
}

/// `--only concurrency`: results.json and a BENCHMARKS.md holding section 6
/// alone, in the output directory (a temporary one unless `--out`), and the
/// section on stdout.
pub fn write_concurrency(results: &ConcurrencyResults) {
    let o = &results.options;
    let m = &results.machine;
    std::fs::create_dir_all(&o.out).expect("the output directory can be created");
    let json = o.out.join("results.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(results).expect("serializable"),
    )
    .expect("results.json is writable");
    let mut section = String::new();
    concurrency::section(&mut section, &results.concurrency, o, m.cores);
    let mut t = String::new();
    let _ = writeln!(t, "# Benchmarks: concurrency alone\n");
    let _ = writeln!(
        t,
        "`cargo run --release -p lambda-kit-bench --bin suite -- --only concurrency`: section 6 of \
         BENCHMARKS.md alone; the other sections were not run.\n\n\
         **Machine:** {}, {} cores, {} RAM; {}; {}; database server {}. Run {} ({:.0} s); load \
         average {} before, {} after.\n",
        m.cpu,
        m.cores,
        m.memory,
        m.kernel,
        m.rustc,
        results.database_server,
        m.started,
        results.seconds,
        m.load_before,
        m.load_after
    );
    t.push_str(&section);
    std::fs::write(&o.markdown, t).expect("BENCHMARKS.md is writable");
    println!("{section}");
    eprintln!("wrote {}, {}", o.markdown.display(), json.display());
}

/// `--only metrics`: results.json and a BENCHMARKS.md holding the metrics
/// comparison alone, in the output directory (a temporary one unless
/// `--out`), and the section on stdout.
pub fn write_metrics(results: &MetricsResults) {
    let o = &results.options;
    let m = &results.machine;
    std::fs::create_dir_all(&o.out).expect("the output directory can be created");
    let json = o.out.join("results.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(results).expect("serializable"),
    )
    .expect("results.json is writable");
    let mut section = String::new();
    metrics::section(&mut section, &results.metrics, o);
    let mut t = String::new();
    let _ = writeln!(t, "# Benchmarks: metrics alone\n");
    let _ = writeln!(
        t,
        "`cargo run --release -p lambda-kit-bench --bin suite -- --only metrics`: the metrics \
         comparison of section 1 of BENCHMARKS.md alone; the other sections were not run.\n\n\
         **Machine:** {}, {} cores, {} RAM; {}; {}. Run {} ({:.0} s); load average {} before, {} \
         after.\n",
        m.cpu,
        m.cores,
        m.memory,
        m.kernel,
        m.rustc,
        m.started,
        results.seconds,
        m.load_before,
        m.load_after
    );
    t.push_str(&section);
    std::fs::write(&o.markdown, &t).expect("BENCHMARKS.md is writable");
    println!("{t}");
    eprintln!("wrote {}, {}", o.markdown.display(), json.display());
}

/// What the SQS batch tables measure, ahead of them in section 1.
fn batch_intro(t: &mut String, results: &Results) {
    let o = &results.options;
    let _ = writeln!(
        t,
        "**SQS batches.** One invocation is an SQS event of {} records from a standard queue, as \
         Lambda sends it (`messageId`, a 180-character `receiptHandle`, `attributes`, `md5OfBody`, \
         `eventSourceARN` and so on; each `body` a small order, `{{\"id\":1003,\"qty\":4}}`). \
         `#[lambda_handler(sqs)]` (bench/src/batch_kit.rs) is called once per record with the \
         body decoded into an `Order`, and its bootstrap answers the partial batch response; the \
         hand-written bootstrap (bench/src/batch_raw.rs) takes `aws_lambda_events`' `SqsEvent`, \
         runs `serde_json::from_str` on each body into the same `Order`, and collects failures into \
         an `SqsBatchResponse`. Both call the same check (bench/src/batch_order.rs: `qty > 0`); the \
         hand-written loop logs one line per failed record, and opens no span per record. In the \
         second table records 3 and 7 have `qty: 0` and are answered as `batchItemFailures` by \
         both. The macro's bootstrap is built in the bench package, so lambda-kit has its `rds` \
         and `testing` features on besides `events`. {} timed invocations (batches) per variant; \
         instructions are per invocation, that is per batch of {} records. No Python variant.\n",
        crate::batch::RECORDS,
        o.invocations / o.rounds * o.rounds,
        crate::batch::RECORDS,
    );
}

fn markdown(results: &Results, plot: Option<&std::path::PathBuf>) -> String {
    let o = &results.options;
    let m = &results.machine;
    let mut t = String::new();
    let command = if o.smoke {
        "bash bench/run.sh --smoke".to_owned()
    } else {
        "bash bench/run.sh".to_owned()
    };
    let _ = writeln!(t, "# Benchmarks\n");
    let _ = writeln!(
        t,
        "lambda-kit against the alternatives a user would pick instead: the same handlers hand-written \
         on `lambda_runtime::run(service_fn(...))`, the original Python handlers run by \
         `awslambdaric`, and `sqlx` for the database. Every variant is a real process serving events \
         from the Runtime API emulator (`lambda_kit::testing`) over loopback, one invocation at a time \
         as Lambda sends them (section 6: several at once, as on Lambda Managed Instances); the variants take turns in {} interleaved rounds so that drift in the \
         machine's load hits all of them alike, each round in a new process, warmed up before it is timed. Generated by one command; do not edit by hand.\n",
        o.rounds
    );
    let _ = writeln!(t, "```sh\n{command}\n```\n");
    let _ = writeln!(
        t,
        "(It installs awslambdaric, pymysql and matplotlib from PyPI into a virtual environment, then runs \
         `cargo run --release -p lambda-kit-bench --bin suite`; it needs MariaDB or MySQL at `DATABASE_URL`, \
         default `mysql://root@127.0.0.1:3306/test`, valgrind for the instruction counts and cargo-lambda \
         for the sizes.)\n"
    );
    let _ = writeln!(
        t,
        "**Machine:** {}, {} cores, {} RAM; {}; {}; {} with awslambdaric {}; database server {}. \
        Run {} ({:.0} s); load average {} before, {} after.\n",
        m.cpu,
        m.cores,
        m.memory,
        m.kernel,
        m.rustc,
        m.python,
        m.awslambdaric,
        results.database_server,
        m.started,
        results.seconds,
        m.load_before,
        m.load_after
    );
    if let Some(png) = plot {
        let name = png
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("benchmarks.png");
        let link = if o.smoke {
            name.to_owned()
        } else {
            format!("bench/results/{name}")
        };
        let _ = writeln!(t, "![throughput and latency per variant]({link})\n");
    }
    targets::summary(&mut t, results);

    let _ = writeln!(t, "## 1. Per-invocation overhead\n");
    let _ = writeln!(
        t,
        "The `hello` (no event, constant reply) and `echo` (typed event, three log lines) \
         examples as they are (`#[lambda_handler]`), the same handlers hand-written on \
         `lambda_runtime` (bench/src/*_raw.rs), and the original Python handlers (bench/python). {} timed invocations per variant after a \
         warm-up. Latency is the emulator's view: from queuing the event to receiving the response, \
         so it includes two HTTP exchanges over loopback (the functions' stdout, their logs, goes to \
         `/dev/null` during timed runs). Instructions are counted by \
         `valgrind --tool=callgrind` as (instructions for 1,100 invocations − for 100) / 1,000: \
         whole process, init excluded (`bash bench/run.sh --keep-profiles` keeps the profiles, \
         paths printed, for `callgrind_annotate`). Baseline: the hand-written bootstrap as \
         `lambda_runtime` documents it.\n",
        o.invocations / o.rounds * o.rounds
    );
    tables::latency_sections(&mut t, &results.overhead);
    if !results.batch.is_empty() {
        batch_intro(&mut t, results);
        tables::latency_sections(&mut t, &results.batch);
    }
    metrics::section(&mut t, &results.metrics, o);

    let _ = writeln!(t, "## 2. Cold start\n");
    let _ = writeln!(
        t,
        "Process spawn to first response, {} times per variant in turns (`hello`; the last row is the \
         `rds_lookup` bootstrap whose `init` opens the pooled database connection, over loopback). \
         Includes the emulator's start (binding a loopback port) and the first invocation.\n",
        o.cold_starts
    );
    tables::latency_table(&mut t, &results.cold_start, false, false);
    t.push('\n');

    let _ = writeln!(t, "## 3. Database\n");
    let _ = writeln!(
        t,
        "One `rds_lookup` per invocation (`{{\"name\": \"jhc\"}}` in table `test` with 1,003 rows, \
         examples/rds_lookup/rds_lookup.sql plus a thousand other names): pooled `#[rds_query]` \
         (the example as it is, examples/rds_lookup/src/main.rs: `SELECT name, value FROM test WHERE name = :name ORDER BY id DESC LIMIT 1` on one pooled \
         connection opened in init), the same query on a `sqlx` `MySqlPool` of one connection \
         opened in init (`test_before_acquire(false)`, so neither pings before a read), and the \
         original handler's pattern, a new connection per invocation running \
         `select * from test where name='jhc'` and keeping the last row: in Rust with `mysql_async`, \
         and the original Python code with `pymysql`. All four run as bootstraps through \
         `#[lambda_handler]` (Rust) or awslambdaric (Python), so only the database access differs \
         between the Rust ones. Once straight to the server over loopback, and once through a relay in \
         the benchmark that adds {} ms of round-trip time (one round trip per TCP connect, half a \
         round trip per chunk each way). Through the relay, the tables' last column is the round \
         trips to the server per invocation that the relay counted over the timed invocations: the \
         bootstrap's turns, that is bytes it sent after the server had last sent it something (a new \
         connection's TCP handshake is not among them). {} timed invocations per \
         variant per setting. Baseline: Rust, connect per invocation.\n",
        o.rtt_ms,
        o.db_invocations / o.rounds * o.rounds
    );
    tables::latency_sections(&mut t, &results.database);
    idempotency::section(&mut t, results);

    let _ = writeln!(t, "## 4. Memory and size\n");
    let _ = writeln!(
        t,
        "Peak resident set size (`VmHWM` from `/proc/PID/status`) after the timed invocations, the \
         largest over the rounds' processes, is the \"peak RSS\" column of the tables above. Size of the bootstrap `cargo lambda build --release` \
         produces (what is zipped and deployed):\n"
    );
    tables::size_table(&mut t, &results.sizes);

    cost::cost(&mut t, results);
    concurrency::section(&mut t, &results.concurrency, o, m.cores);
    // Static text, the same in every run: reasons found by hand (profilers,
    // strace, reading the code) that this run's figures do not measure.
    let _ = writeln!(
        t,
        "## Notes written by hand, not generated from this run\n\n\
         From bench/NOTES.md, verbatim; check them against the figures above.\n"
    );
    t.push_str(
        NOTES
            .split_once('\n')
            .map_or("", |(_, rest)| rest)
            .trim_start(),
    );
    t
}
