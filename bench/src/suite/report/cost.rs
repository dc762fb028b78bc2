//! Section 5: what the measured durations would cost on Lambda.

use std::fmt::Write as _;

use super::tables::us;
use crate::rounds::Measured;
use crate::Results;

/// Lambda's x86_64 prices (us-east-1) the cost table uses.
const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;
const PRICE_PER_GB_SECOND: f64 = 0.000_016_666_7;
const MEMORY_MB: f64 = 128.0;

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

pub fn cost(t: &mut String, results: &Results) {
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
         invocation). These are durations on this machine, not on Lambda.\n"
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
    for c in results
        .overhead
        .iter()
        .chain(&results.batch)
        .chain(&results.database)
        .chain(&results.idempotency.comparisons)
    {
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
