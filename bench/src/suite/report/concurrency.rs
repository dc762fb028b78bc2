//! Section 6: throughput and latency with several invocations in flight.

use std::fmt::Write as _;

use super::tables::us;
use crate::concurrency::{Level, Measured, Scaling, Section, LEVELS};
use crate::options::Options;

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "–".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

fn kit(level: &Level) -> &Measured {
    &level.variants[0]
}

fn raw(level: &Level) -> &Measured {
    &level.variants[1]
}

pub fn section(t: &mut String, section: &Section, options: &Options, cores: usize) {
    let _ = writeln!(t, "## 6. Concurrency (Managed Instances)\n");
    let _ = writeln!(
        t,
        "On Lambda Managed Instances one execution environment serves up to \
         `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once. Each bootstrap is started with \
         `AWS_LAMBDA_MAX_CONCURRENCY=N` and kept busy with N invocations in flight (the driver \
         queues the next one as soon as one is answered), for N = {}; at 1 in flight the variable \
         is unset, so what is measured there is each bootstrap's sequential path. lambda-kit: the \
         examples as they are (`rds_lookup` with `RDS_POOL_MAX` unset, so its pool is the size \
         lambda-kit chooses). Hand-written: the same handlers on `lambda_runtime::run_concurrent` \
         (feature `concurrency-tokio`) on a multi-thread tokio runtime of min(cores, N) worker \
         threads (current-thread when N is 1), `rds_lookup` on a `mysql_async` pool of up to N \
         connections. `rds_lookup` reaches the database through the relay of section 3 ({} ms \
         round trip). The timed invocations per variant and level (above each table) are split \
         over {} round{}; in each round the handlers, levels and variants take turns, each run in \
         a new process warmed up at its level (max(20, 4N) invocations). Throughput is invocations answered per second of \
         wall-clock time over the timed invocations; p50 and p99 are per invocation, from queuing \
         it to its answer. The driver (the Runtime API emulator, on one thread) shares the \
         machine's {} cores with the bootstrap. Peak RSS is `VmHWM` after the timed invocations, \
         the largest over the rounds. The section took {:.0} s \
         (`cargo run --release -p lambda-kit-bench --bin suite -- --only concurrency` runs it \
         alone).\n",
        LEVELS.map(|n| n.to_string()).join(", "),
        options.rtt_ms,
        options.concurrency_rounds,
        if options.concurrency_rounds == 1 {
            ""
        } else {
            "s"
        },
        cores,
        section.seconds,
    );
    for table in &section.tables {
        scaling_table(t, table);
    }
}

fn scaling_table(t: &mut String, table: &Scaling) {
    let Some(first) = table.levels.first() else {
        return;
    };
    let [kit_source, raw_source] = table.sources;
    let _ = writeln!(t, "### {} ({})\n", table.name, table.kind);
    let _ = writeln!(
        t,
        "lambda-kit: {} ({kit_source}); hand-written: {} ({raw_source}). {} timed invocations \
         per variant and level.\n",
        kit(first).label,
        raw(first).label,
        kit(first).latency.n,
    );
    let _ = writeln!(
        t,
        "| in flight | lambda-kit inv/s | hand-written inv/s | lambda-kit ÷ hand-written | \
         lambda-kit vs its 1 in flight | hand-written vs its 1 in flight | lambda-kit p50 / p99 | \
         hand-written p50 / p99 | lambda-kit peak RSS | hand-written peak RSS |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for level in &table.levels {
        let (k, r) = (kit(level), raw(level));
        let in_flight = if level.concurrency == 1 {
            "1 (unset)".to_owned()
        } else {
            level.concurrency.to_string()
        };
        let _ = writeln!(
            t,
            "| {in_flight} | {:.0} | {:.0} | {:.2}x | {:.2}x | {:.2}x | {} / {} | {} / {} | {} | {} |",
            k.per_second,
            r.per_second,
            k.per_second / r.per_second,
            k.per_second / kit(first).per_second,
            r.per_second / raw(first).per_second,
            us(k.latency.median_us),
            us(k.latency.p99_us),
            us(r.latency.median_us),
            us(r.latency.p99_us),
            mib(k.peak_rss_kib),
            mib(r.peak_rss_kib),
        );
    }
    t.push('\n');
}

/// One summary line per handler: the highest level against the first.
pub fn summary(t: &mut String, section: &Section) {
    for table in &section.tables {
        let (Some(first), Some(last)) = (table.levels.first(), table.levels.last()) else {
            continue;
        };
        let _ = writeln!(
            t,
            "- **concurrency, {} ({})**: at {} in flight lambda-kit answered {:.0} invocations/s \
             ({:.2}x its rate at 1) and the hand-written `run_concurrent` bootstrap {:.0}/s \
             ({:.2}x); lambda-kit ÷ hand-written {:.2}x, p99 {} vs {}.",
            table.name,
            table.kind,
            last.concurrency,
            kit(last).per_second,
            kit(last).per_second / kit(first).per_second,
            raw(last).per_second,
            raw(last).per_second / raw(first).per_second,
            kit(last).per_second / raw(last).per_second,
            us(kit(last).latency.p99_us),
            us(raw(last).latency.p99_us),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::stats::Stats;

    fn measured(key: &'static str, per_second: f64) -> Measured {
        Measured {
            label: key,
            key,
            invocations: 100,
            seconds: 100.0 / per_second,
            per_second,
            latency: Stats::of(&[Duration::from_micros(1500)]),
            peak_rss_kib: Some(7 * 1024),
        }
    }

    #[test]
    fn ratios_come_from_throughput() {
        let table = Scaling {
            name: "rds_lookup",
            kind: "I/O-bound".to_owned(),
            sources: ["kit.rs", "raw.rs"],
            event: serde_json::Value::Null,
            levels: vec![
                Level {
                    concurrency: 1,
                    variants: vec![measured("kit", 600.0), measured("raw", 500.0)],
                },
                Level {
                    concurrency: 4,
                    variants: vec![measured("kit", 600.0), measured("raw", 2000.0)],
                },
            ],
        };
        let mut t = String::new();
        scaling_table(&mut t, &table);
        assert!(
            t.contains("| 1 (unset) | 600 | 500 | 1.20x | 1.00x | 1.00x | 1500 µs / 1500 µs |"),
            "{t}"
        );
        assert!(
            t.contains("| 4 | 600 | 2000 | 0.30x | 1.00x | 4.00x |"),
            "{t}"
        );
        assert!(t.contains("| 7.0 MiB | 7.0 MiB |"), "{t}");
    }
}
