//! The summary: each comparison's medians and ratios, then every target
//! with what this run measured and by how much it was met or missed.

use std::fmt::Write as _;

use super::tables::{find, pct, us};
use crate::Results;

pub fn summary(t: &mut String, results: &Results) {
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
                " Instructions per invocation {k:.0} vs {r:.0} ({}) and {c:.0} ({}).",
                pct(k / r),
                pct(k / c)
            );
        }
        t.push('\n');
    }
    for c in &results.batch {
        let kit = find(c, "kit");
        let raw = find(c, "raw");
        let ct = find(c, "raw-ct");
        let _ = write!(
            t,
            "- **{}**: `#[lambda_handler(sqs)]` median {} vs hand-written {} (documented, {}) and {} \
             (current-thread, {}).",
            c.title.split(':').next().unwrap_or(""),
            us(kit.stats.median_us),
            us(raw.stats.median_us),
            pct(kit.stats.median_us / raw.stats.median_us),
            us(ct.stats.median_us),
            pct(kit.stats.median_us / ct.stats.median_us),
        );
        if let (Some(k), Some(r), Some(c)) = (kit.instructions, raw.instructions, ct.instructions) {
            let _ = write!(
                t,
                " Instructions per invocation (one batch) {k:.0} vs {r:.0} ({}) and {c:.0} ({}).",
                pct(k / r),
                pct(k / c)
            );
        }
        t.push('\n');
    }
    for (i, c) in results.database.iter().enumerate() {
        let kit = find(c, "kit");
        let sqlx = find(c, "sqlx");
        let connect = find(c, "connect");
        let py = find(c, "python");
        let _ = writeln!(
            t,
            "- **{}**: pooled `#[rds_query]` {} median, {:.1}x faster than connecting per invocation \
             in Rust ({}) and {:.1}x faster than the original Python ({}); sqlx {} (`#[rds_query]` \
             {} on the median, {} on the minimum).",
            c.title,
            us(kit.stats.median_us),
            connect.stats.median_us / kit.stats.median_us,
            us(connect.stats.median_us),
            py.stats.median_us / kit.stats.median_us,
            us(py.stats.median_us),
            us(sqlx.stats.median_us),
            pct(kit.stats.median_us / sqlx.stats.median_us),
            pct(kit.stats.min_us / sqlx.stats.min_us),
        );
        if let (Some(k), Some(s)) = (kit.instructions, sqlx.instructions) {
            let _ = writeln!(
                t,
                "  Instructions per lookup in the bootstrap: `#[rds_query]` {k:.0}, sqlx {s:.0} ({}).",
                pct(k / s)
            );
        }
        // The second setting goes through the relay: the median differences
        // in units of the round trip it adds.
        let rtt_us = results.options.rtt_ms * 1000.0;
        if i == 1 && rtt_us > 0.0 {
            let _ = writeln!(
                t,
                "  Median difference to pooled `#[rds_query]`, in simulated round trips ({} ms): \
                 connect per invocation (Rust) {:+.1}, sqlx {:+.1}.",
                results.options.rtt_ms,
                (connect.stats.median_us - kit.stats.median_us) / rtt_us,
                (sqlx.stats.median_us - kit.stats.median_us) / rtt_us,
            );
        }
        let counted: Vec<String> = c
            .variants
            .iter()
            .filter_map(|v| Some(format!("{} {:.2}", v.label, v.round_trips?)))
            .collect();
        if !counted.is_empty() {
            let _ = writeln!(
                t,
                "  Round trips per lookup counted by the relay: {}.",
                counted.join("; ")
            );
        }
    }
    super::idempotency::summary(t, results);
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
    super::concurrency::summary(t, &results.concurrency);
    targets(t, results);
}

/// A target on a ratio that must stay at or under `limit` (1.02: +2%).
fn at_most(t: &mut String, target: &str, ratio: f64, limit: f64) {
    let points = (limit - ratio) * 100.0;
    let _ = writeln!(
        t,
        "| {target} | {} | {} by {:.1} points |",
        pct(ratio),
        if points >= 0.0 { "yes" } else { "**no**" },
        points.abs()
    );
}

/// A target on a speed-up that must reach `limit` times.
fn at_least(t: &mut String, target: &str, speedup: f64, limit: f64) {
    let _ = writeln!(
        t,
        "| {target} | {speedup:.1}x | {} ({:.0}% of {limit:.0}x) |",
        if speedup >= limit { "yes" } else { "**no**" },
        speedup / limit * 100.0
    );
}

fn targets(t: &mut String, results: &Results) {
    let _ = writeln!(t, "\n### Targets\n");
    let _ = writeln!(t, "| target | measured | met? |\n|---|---|---|");
    for c in &results.overhead {
        let kit = find(c, "kit");
        let ct = find(c, "raw-ct");
        let raw = find(c, "raw");
        let name = c.title.split(':').next().unwrap_or("");
        at_most(
            t,
            &format!("{name}: macro within 2% of hand-written, median latency (vs the faster hand-written)"),
            kit.stats.median_us / raw.stats.median_us.min(ct.stats.median_us),
            1.02,
        );
        if let (Some(k), Some(r), Some(c)) = (kit.instructions, raw.instructions, ct.instructions) {
            at_most(
                t,
                &format!("{name}: macro within 2% of hand-written, instructions (vs the fewer)"),
                k / r.min(c),
                1.02,
            );
        }
    }
    for c in &results.database {
        let kit = find(c, "kit").stats.median_us;
        let median = |key| find(c, key).stats.median_us;
        at_least(
            t,
            &format!("{}: pooled ≥ 10x connect-per-invocation (Rust)", c.title),
            median("connect") / kit,
            10.0,
        );
        at_least(
            t,
            &format!(
                "{}: pooled ≥ 10x connect-per-invocation (the original Python)",
                c.title
            ),
            median("python") / kit,
            10.0,
        );
        at_most(
            t,
            &format!("{}: pooled no slower than sqlx (median)", c.title),
            kit / median("sqlx"),
            1.0,
        );
    }
    t.push('\n');
}
