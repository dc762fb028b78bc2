//! Section 3, continued: what idempotency costs per invocation, against
//! the same handler without it.

use std::fmt::Write as _;

use super::tables::{find, latency_sections, us};
use crate::idempotency::{Section, FIRST, REPEAT, WITHOUT};
use crate::rounds::{Comparison, Measured};
use crate::Results;

/// A difference in µs with its sign: "+312 µs", "-1.4 ms".
fn signed_us(value: f64) -> String {
    if value.abs() >= 10_000.0 {
        format!("{:+.1} ms", value / 1000.0)
    } else {
        format!("{value:+.0} µs")
    }
}

/// The three variants of one setting.
fn three(c: &Comparison) -> [&Measured; 3] {
    [find(c, WITHOUT), find(c, FIRST), find(c, REPEAT)]
}

/// Median minus the one without idempotency, and their ratio.
fn against(v: &Measured, without: &Measured) -> (f64, f64) {
    (
        v.stats.median_us - without.stats.median_us,
        v.stats.median_us / without.stats.median_us,
    )
}

/// The setting's name: what follows the comparison's first comma.
fn setting(c: &Comparison) -> &str {
    c.title.split_once(", ").map_or(&*c.title, |(_, s)| s)
}

pub fn section(t: &mut String, results: &Results) {
    let o = &results.options;
    let s: &Section = &results.idempotency;
    let _ = writeln!(
        t,
        "**Idempotency.** The charge example's handler (examples/charge/src/main.rs: one \
         `#[rds_query]` `INSERT INTO charges ...` per invocation, one log line, the receipt; \
         bench/src/charge_order.rs, whose receipt leaves out the row's id so that every reply can \
         be checked) in two bootstraps: without idempotency (bench/src/charge.rs), and declared as \
         the example declares it, `#[lambda_handler(init = setup, idempotency_key = \"order.id\", \
         idempotency_payload = \"order\")]` (bench/src/charge_idempotent.rs), with \
         `LAMBDA_KIT_IDEMPOTENCY_CACHE=0` (the default: no in-memory cache, every delivery goes to \
         the `lambda_kit_idempotency` table, which the bootstrap created at init). Three variants \
         take turns: the handler without idempotency and the idempotent bootstrap on first \
         deliveries, both sent a new `order.id` every invocation, and the idempotent bootstrap on \
         repeat deliveries, sent one `order.id` per setting again and again (its very first \
         delivery is a warm-up; every later one is answered with the kept receipt). Over \
         loopback and through the relay, {} timed invocations per variant per setting. Baseline: \
         without idempotency; round trips counted as for `rds_lookup`. Afterwards table `charges` held {} rows for {} distinct order ids, {} of \
         them for the {} keys sent again and again: every key was charged once.\n",
        o.db_invocations / o.rounds * o.rounds,
        s.charges.rows,
        s.charges.orders,
        s.charges.repeated_rows,
        s.charges.repeated_keys,
    );
    latency_sections(t, &s.comparisons);
    let _ = writeln!(
        t,
        "### charge (idempotency): overhead per invocation\n\n\
         Medians of the tables above, each against the handler without idempotency in the same \
         setting.\n"
    );
    let _ = writeln!(
        t,
        "| setting | without, median | first delivery, median | first − without | first ÷ without \
         | repeat, median | repeat − without | repeat ÷ without | round trips / invocation: \
         without, first, repeat |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for c in &s.comparisons {
        let [without, first, repeat] = three(c);
        let (first_diff, first_ratio) = against(first, without);
        let (repeat_diff, repeat_ratio) = against(repeat, without);
        let trips = match (without.round_trips, first.round_trips, repeat.round_trips) {
            (Some(w), Some(f), Some(r)) => format!("{w:.2}, {f:.2}, {r:.2}"),
            _ => "– (not through the relay)".to_owned(),
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {first_ratio:.2}x | {} | {} | {repeat_ratio:.2}x | {trips} |",
            setting(c),
            us(without.stats.median_us),
            us(first.stats.median_us),
            signed_us(first_diff),
            us(repeat.stats.median_us),
            signed_us(repeat_diff),
        );
    }
    t.push('\n');
}

/// One line per setting for the summary.
pub fn summary(t: &mut String, results: &Results) {
    let rtt_us = results.options.rtt_ms * 1000.0;
    for c in &results.idempotency.comparisons {
        let [without, first, repeat] = three(c);
        let (first_diff, first_ratio) = against(first, without);
        let (repeat_diff, repeat_ratio) = against(repeat, without);
        let _ = write!(
            t,
            "- **{}**: without idempotency {} median; idempotent, first delivery {} ({}, \
             {first_ratio:.2}x), repeat delivery {} ({}, {repeat_ratio:.2}x). On the minimum: \
             first delivery {}, repeat {}.",
            c.title,
            us(without.stats.median_us),
            us(first.stats.median_us),
            signed_us(first_diff),
            us(repeat.stats.median_us),
            signed_us(repeat_diff),
            signed_us(first.stats.min_us - without.stats.min_us),
            signed_us(repeat.stats.min_us - without.stats.min_us),
        );
        if let (Some(w), Some(f), Some(r)) = (
            without.instructions,
            first.instructions,
            repeat.instructions,
        ) {
            let _ = write!(
                t,
                " Instructions per invocation in the bootstrap {w:.0}, {f:.0} ({:+.1}%), {r:.0} \
                 ({:+.1}%).",
                (f / w - 1.0) * 100.0,
                (r / w - 1.0) * 100.0,
            );
        }
        t.push('\n');
        if let (Some(w), Some(f), Some(r)) =
            (without.round_trips, first.round_trips, repeat.round_trips)
        {
            let _ = writeln!(
                t,
                "  Round trips per invocation counted by the relay: {w:.2} without, {f:.2} first \
                 delivery, {r:.2} repeat; median differences in simulated round trips ({} ms): \
                 first delivery {:+.1}, repeat {:+.1}.",
                results.options.rtt_ms,
                first_diff / rtt_us,
                repeat_diff / rtt_us,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_carry_their_sign() {
        assert_eq!(signed_us(312.4), "+312 µs");
        assert_eq!(signed_us(-95.0), "-95 µs");
        assert_eq!(signed_us(-14_200.0), "-14.2 ms");
    }
}
