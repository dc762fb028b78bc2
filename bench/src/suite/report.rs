//! BENCHMARKS.md, results.json and the plot, from one run's results.

use std::fmt::Write as _;
use std::process::Command;

use serde::Serialize;

use crate::{Comparison, Measured, Results};

/// Lambda's x86_64 prices (us-east-1) the cost table uses.
const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;
const PRICE_PER_GB_SECOND: f64 = 0.000_016_666_7;
const MEMORY_MB: f64 = 128.0;

/// The machine the run measured, and how busy it was.
#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub python: String,
    pub awslambdaric: String,
    pub started: String,
    pub load_before: String,
    pub load_after: String,
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_owned()
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Machine {
    pub fn describe(python: &str) -> Machine {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = info
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .unwrap_or("unknown")
            .trim()
            .to_owned();
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kib: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
                Some(format!("{:.0} GiB", kib / 1024.0 / 1024.0))
            })
            .unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory,
            kernel: output("uname", &["-srm"]),
            rustc: output("rustc", &["-V"]),
            awslambdaric: output(
                python,
                &[
                    "-c",
                    "import importlib.metadata as m; print(m.version('awslambdaric'))",
                ],
            ),
            python: output(python, &["--version"]),
            started: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            load_before: load(),
            load_after: String::new(),
        }
    }

    pub fn finish(mut self) -> Machine {
        self.load_after = load();
        self
    }
}

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

fn us(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{:.1} ms", value / 1000.0)
    } else {
        format!("{value:.0} µs")
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "–".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

fn baseline(comparison: &Comparison) -> &Measured {
    comparison
        .variants
        .iter()
        .find(|v| v.label == comparison.baseline)
        .expect("the baseline is one of the variants")
}

fn find<'c>(comparison: &'c Comparison, key: &str) -> &'c Measured {
    comparison
        .variants
        .iter()
        .find(|v| v.key == key)
        .expect("variant present")
}

/// A latency table with ratios to the comparison's baseline.
fn latency_table(text: &mut String, comparison: &Comparison, with_memory: bool, rate: bool) {
    let base = baseline(comparison);
    let instructions = comparison.variants.iter().any(|v| v.instructions.is_some());
    let _ = write!(
        text,
        "| variant | n |{} min | median | p99 | median vs baseline |",
        if rate { " invocations/s |" } else { "" }
    );
    if with_memory {
        text.push_str(" peak RSS |");
    }
    if instructions {
        text.push_str(" instructions / invocation | instructions vs baseline |");
    }
    text.push_str(if rate {
        "\n|---|---:|---:|---:|---:|---:|---:|"
    } else {
        "\n|---|---:|---:|---:|---:|---:|"
    });
    if with_memory {
        text.push_str("---:|");
    }
    if instructions {
        text.push_str("---:|---:|");
    }
    text.push('\n');
    for v in &comparison.variants {
        let marker = if v.label == base.label {
            " (baseline)"
        } else {
            ""
        };
        let _ = write!(text, "| {}{marker} | {} |", v.label, v.stats.n);
        if rate {
            let _ = write!(text, " {:.0} |", v.stats.per_second);
        }
        let _ = write!(
            text,
            " {} | {} | {} | {:.3} |",
            us(v.stats.min_us),
            us(v.stats.median_us),
            us(v.stats.p99_us),
            v.stats.median_us / base.stats.median_us,
        );
        if with_memory {
            let _ = write!(text, " {} |", mib(v.peak_rss_kib));
        }
        if instructions {
            match (v.instructions, base.instructions) {
                (Some(i), Some(b)) => {
                    let _ = write!(text, " {i:.0} | {:.3} |", i / b);
                }
                _ => text.push_str(" – | – |"),
            }
        }
        text.push('\n');
    }
}

/// Billed duration: rounded up to the next millisecond.
fn billed_ms(us: f64) -> f64 {
    (us / 1000.0).ceil().max(1.0)
}

/// Dollars for one million invocations of `us` each at 128 MB.
fn cost_per_million(us: f64) -> f64 {
    PRICE_PER_MILLION_REQUESTS
        + 1e6 * billed_ms(us) / 1000.0 * (MEMORY_MB / 1024.0) * PRICE_PER_GB_SECOND
}

/// Dollars for the compute of one million `us`-long durations at 128 MB.
fn compute_per_million(us: f64) -> f64 {
    1e6 * billed_ms(us) / 1000.0 * (MEMORY_MB / 1024.0) * PRICE_PER_GB_SECOND
}

fn pct(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
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
         as Lambda sends them; the variants take turns in {} interleaved rounds so that drift in the \
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
        Run {} ({:.0} s); load average {} before, {} after, on a shared machine where other builds \
        may run at the same time: absolute times are noisy, the instruction counts are not.\n",
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
    summary(&mut t, results);
    notes(&mut t, results);

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
         whole process, init excluded, repeatable whatever else the machine runs. Baseline: the \
         hand-written bootstrap as `lambda_runtime` documents it.\n",
        o.invocations / o.rounds * o.rounds
    );
    for c in &results.overhead {
        let _ = writeln!(t, "### {}\n", c.title);
        latency_table(&mut t, c, true, true);
        t.push('\n');
    }

    let _ = writeln!(t, "## 2. Cold start\n");
    let _ = writeln!(
        t,
        "Process spawn to first response, {} times per variant in turns (`hello`; the last row is the \
         `rds_lookup` bootstrap whose `init` opens the pooled database connection, over loopback). \
         Includes the emulator's start (binding a loopback port) and the first invocation.\n",
        o.cold_starts
    );
    latency_table(&mut t, &results.cold_start, false, false);
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
         between the Rust ones. Once straight to the server over loopback, where a connection costs \
         well under a millisecond, and once through a relay in the benchmark that adds {} ms of round-trip \
         time (one round trip per TCP connect, half a round trip per chunk each way), roughly a \
         network hop from a Lambda function to RDS in the same region. {} timed invocations per \
         variant per setting. Baseline: Rust, connect per invocation. Most of the Python variant's \
         time is pymysql's own: since 1.2 it prefers TLS by default and builds a TLS context, \
         loading the system's CA certificates, on every connect (about 20 ms here, where the server \
         offers no TLS and it falls back to plain TCP; against RDS it would also negotiate TLS). sqlx, even with `test_before_acquire(false)`, pings \
         every connection as it returns to the pool (a `COM_PING` after each lookup, seen with \
         strace), and the next lookup waits for it: about one more round trip per lookup than \
         `#[rds_query]`, which sends only the statement.\n",
        o.rtt_ms,
        o.db_invocations / o.rounds * o.rounds
    );
    for c in &results.database {
        let _ = writeln!(t, "### {}\n", c.title);
        latency_table(&mut t, c, true, true);
        t.push('\n');
    }

    let _ = writeln!(t, "## 4. Memory and size\n");
    let _ = writeln!(
        t,
        "Peak resident set size (`VmHWM` from `/proc/PID/status`) after the timed invocations, the \
         largest over the rounds' processes, is the \"peak RSS\" column of the tables above. Size of the bootstrap `cargo lambda build --release` \
         produces (what is zipped and deployed):\n"
    );
    let _ = writeln!(t, "| bootstrap | size | |\n|---|---:|---|");
    for s in &results.sizes {
        let _ = writeln!(
            t,
            "| {} (`{}`) | {} | {} |",
            s.label,
            s.binary,
            s.bytes.map_or_else(
                || "–".to_owned(),
                |b| format!("{:.2} MiB ({b} bytes)", b as f64 / 1048576.0)
            ),
            s.note
        );
    }
    t.push('\n');

    cost(&mut t, results);
    t
}

fn summary(t: &mut String, results: &Results) {
    let _ = writeln!(t, "## Summary\n");
    for c in &results.overhead {
        let kit = find(c, "kit");
        let raw = find(c, "raw");
        let ct = find(c, "raw-ct");
        let py = find(c, "python");
        let _ = write!(
            t,
            "- **{}**: `#[lambda_handler]` median {} vs hand-written {} (documented, {}) and {} \
             (current-thread, {}); Python {} ({:.1}x the macro's).",
            c.title.split(':').next().unwrap_or(""),
            us(kit.stats.median_us),
            us(raw.stats.median_us),
            pct(kit.stats.median_us / raw.stats.median_us),
            us(ct.stats.median_us),
            pct(kit.stats.median_us / ct.stats.median_us),
            us(py.stats.median_us),
            py.stats.median_us / kit.stats.median_us,
        );
        if let (Some(k), Some(r), Some(c)) = (kit.instructions, raw.instructions, ct.instructions) {
            let _ = write!(
                t,
                " Instructions per invocation {:.0} vs {:.0} ({}) and {:.0} ({}).",
                k,
                r,
                pct(k / r),
                c,
                pct(k / c)
            );
        }
        t.push('\n');
    }
    if let [direct, relayed, ..] = &results.database[..] {
        for c in [direct, relayed] {
            let kit = find(c, "kit");
            let sqlx = find(c, "sqlx");
            let connect = find(c, "connect");
            let py = find(c, "python");
            let _ = writeln!(
                t,
                "- **{}**: pooled `#[rds_query]` {} median, {:.1}x faster than connecting per invocation \
                 in Rust ({}) and {:.1}x faster than the original Python ({}); sqlx {} ({} for `#[rds_query]`).",
                c.title,
                us(kit.stats.median_us),
                connect.stats.median_us / kit.stats.median_us,
                us(connect.stats.median_us),
                py.stats.median_us / kit.stats.median_us,
                us(py.stats.median_us),
                us(sqlx.stats.median_us),
                pct(kit.stats.median_us / sqlx.stats.median_us),
            );
            if let (Some(k), Some(s)) = (kit.instructions, sqlx.instructions) {
                let _ = writeln!(
                    t,
                    "  Instructions per lookup in the bootstrap: `#[rds_query]` {k:.0}, sqlx {s:.0} ({}).",
                    pct(k / s)
                );
            }
        }
    }
    let cold = &results.cold_start;
    let _ = writeln!(
        t,
        "- **cold start**: `#[lambda_handler]` {} median vs hand-written {} and Python {}; with the \
         database pool opened in init {}.",
        us(find(cold, "kit").stats.median_us),
        us(find(cold, "raw").stats.median_us),
        us(find(cold, "python").stats.median_us),
        us(find(cold, "kit-rds").stats.median_us),
    );
    let _ = writeln!(t, "\n### Targets\n");
    let _ = writeln!(t, "| target | measured | met? |\n|---|---|---|");
    for c in &results.overhead {
        let kit = find(c, "kit");
        let ct = find(c, "raw-ct");
        let raw = find(c, "raw");
        let name = c.title.split(':').next().unwrap_or("");
        let latency = kit.stats.median_us / raw.stats.median_us.min(ct.stats.median_us);
        let _ = writeln!(
            t,
            "| {name}: macro within 2% of hand-written, median latency (vs the faster hand-written) | {} | {} |",
            pct(latency),
            yes(latency <= 1.02)
        );
        if let (Some(k), Some(r), Some(c)) = (kit.instructions, raw.instructions, ct.instructions) {
            let best = r.min(c);
            let _ = writeln!(
                t,
                "| {name}: macro within 2% of hand-written, instructions (vs the fewer) | {} | {} |",
                pct(k / best),
                yes(k / best <= 1.02)
            );
        }
    }
    for c in &results.database {
        let kit = find(c, "kit");
        let connect = find(c, "connect");
        let sqlx = find(c, "sqlx");
        let speedup = connect.stats.median_us / kit.stats.median_us;
        let _ = writeln!(
            t,
            "| {}: pooled ≥ 10x connect-per-invocation (Rust) | {speedup:.1}x | {} |",
            c.title,
            yes(speedup >= 10.0)
        );
        let python = find(c, "python").stats.median_us / kit.stats.median_us;
        let _ = writeln!(
            t,
            "| {}: pooled ≥ 10x connect-per-invocation (the original Python) | {python:.1}x | {} |",
            c.title,
            yes(python >= 10.0)
        );
        let vs = kit.stats.median_us / sqlx.stats.median_us;
        let _ = writeln!(
            t,
            "| {}: pooled no slower than sqlx (median) | {} | {} |",
            c.title,
            pct(vs),
            yes(vs <= 1.0)
        );
    }
    t.push('\n');
}

/// Why a target is missed, where this run missed it.
fn notes(t: &mut String, results: &Results) {
    let instructions_missed = results.overhead.iter().any(|c| {
        let kit = find(c, "kit").instructions;
        let best = [find(c, "raw").instructions, find(c, "raw-ct").instructions]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        kit.is_some_and(|k| k / best > 1.02)
    });
    let latency_met = results.overhead.iter().all(|c| {
        let best = find(c, "raw")
            .stats
            .median_us
            .min(find(c, "raw-ct").stats.median_us);
        find(c, "kit").stats.median_us / best <= 1.02
    });
    let tenfold_missed = results
        .database
        .iter()
        .any(|c| find(c, "connect").stats.median_us / find(c, "kit").stats.median_us < 10.0);
    let _ = writeln!(t, "### Where the time goes\n");
    let _ = writeln!(
        t,
        "`bash bench/run.sh --keep-profiles` keeps the callgrind profiles (paths printed) for \
         `callgrind_annotate`. Per invocation, most of every Rust bootstrap's instructions are \
         `lambda_runtime`'s HTTP client talking to the Runtime API and `tracing` (the invocation \
         span, and in `echo` its three log lines); the handlers themselves are a few hundred. \
         `#[lambda_handler]` decodes the event once, straight from the received bytes, where \
         `lambda_runtime` scans it through `serde_path_to_error`, and adds a `coldStart` field \
         to the span.\n"
    );
    if instructions_missed {
        let _ = writeln!(
            t,
            "**Instructions, 2% target:** what remains between the macro and the hand-written \
             current-thread bootstrap is inside glibc's `malloc`: DHAT (`valgrind --tool=dhat`) \
             counts the same allocations, in number and size (the macro's process makes a few \
             fewer), but in the macro's process more of them take `malloc`'s slow paths \
             (`_int_malloc`, `malloc_consolidate` ahead of hyper's 16 KiB read buffers). That is \
             where the heap's free chunks happen to lie, not work the macro adds.{}\n",
            if latency_met {
                " Median latency is within 2%."
            } else {
                ""
            }
        );
    }
    for c in &results.database {
        let kit = find(c, "kit");
        let sqlx = find(c, "sqlx");
        if kit.stats.median_us <= sqlx.stats.median_us {
            continue;
        }
        let _ = write!(
            t,
            "**Pooled vs sqlx, {}:** both send one statement per lookup on an open \
             connection, so here they are within run-to-run noise of each other: {} on the \
             median, {} on the minimum",
            c.title,
            pct(kit.stats.median_us / sqlx.stats.median_us),
            pct(kit.stats.min_us / sqlx.stats.min_us),
        );
        if let (Some(k), Some(s)) = (kit.instructions, sqlx.instructions) {
            let _ = write!(
                t,
                ", and the bootstrap runs {} instructions per lookup with `#[rds_query]`",
                pct(k / s)
            );
        }
        let _ = writeln!(
            t,
            ". Once the network adds latency, sqlx's ping on release costs it a round trip \
             per lookup.\n"
        );
    }
    if tenfold_missed {
        let _ = writeln!(
            t,
            "**Pooled vs connect per invocation, 10x target:** a pooled lookup costs one round \
             trip to the server; a new connection adds the TCP handshake, the server's greeting, \
             authentication and `mysql_async`'s settings query, about four more. So against \
             connecting per invocation in Rust the ratio tends to about 5x as the round trip \
             grows, and is lower over loopback, where a connection costs a few hundred µs. It is \
             10x and more against the original Python handler, and would be against TLS \
             connections to RDS (two more round trips and the handshake's cryptography per \
             connection), which the local MariaDB does not offer.\n"
        );
    }
}

fn yes(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

fn cost(t: &mut String, results: &Results) {
    let _ = writeln!(t, "## 5. Cost\n");
    let _ = writeln!(
        t,
        "Lambda price per million invocations at {MEMORY_MB:.0} MB on x86_64 (us-east-1 list prices: \
         ${PRICE_PER_MILLION_REQUESTS:.2} per million requests, ${PRICE_PER_GB_SECOND} per GB-second; \
         duration billed in 1 ms steps, rounded up):\n\n\
         `cost per 1M = 0.20 + 1,000,000 × ceil(duration in ms) / 1000 × (128 / 1024) GB × 0.0000166667`\n\n\
         with the measured warm median as the duration. Since August 2025 Lambda bills the INIT phase \
         of every runtime, so each cold start adds its init time at the same GB-second price \
         (shown per million cold starts, from the cold-start medians above, which include the first \
         invocation). Caveat: these are durations on this machine; a 128 MB function gets about \
         128/1769 of a vCPU, so CPU-bound time there is up to ~14x longer, while time spent waiting \
         on the network is not.\n"
    );
    let _ = writeln!(
        t,
        "| variant | warm median | billed | $ per 1M invocations | of which compute |\n|---|---:|---:|---:|---:|"
    );
    let mut row = |label: String, m: &Measured| {
        let _ = writeln!(
            t,
            "| {label} | {} | {:.0} ms | ${:.4} | ${:.4} |",
            us(m.stats.median_us),
            billed_ms(m.stats.median_us),
            cost_per_million(m.stats.median_us),
            compute_per_million(m.stats.median_us),
        );
    };
    for c in results.overhead.iter().chain(&results.database) {
        let name = c.title.replace(": warm invocations", "");
        for v in &c.variants {
            row(format!("{name}: {}", v.label), v);
        }
    }
    let _ = writeln!(t, "\n| cold start | median | billed init + first invocation | $ per 1M cold starts (compute) |\n|---|---:|---:|---:|");
    for v in &results.cold_start.variants {
        let _ = writeln!(
            t,
            "| {} | {} | {:.0} ms | ${:.2} |",
            v.label,
            us(v.stats.median_us),
            billed_ms(v.stats.median_us),
            compute_per_million(v.stats.median_us)
        );
    }
    t.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_millisecond() {
        assert_eq!(billed_ms(120.0), 1.0);
        assert_eq!(billed_ms(1000.0), 1.0);
        assert_eq!(billed_ms(1001.0), 2.0);
        // 1 ms at 128 MB: 0.000125 GB-s per invocation.
        assert!((cost_per_million(500.0) - (0.20 + 125.0 * PRICE_PER_GB_SECOND)).abs() < 1e-9);
    }
}
