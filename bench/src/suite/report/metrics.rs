//! Section 1, continued: what recording metrics costs per invocation.

use std::fmt::Write as _;

use super::tables::latency_sections;
use crate::metrics::RECORDED;
use crate::options::Options;
use crate::rounds::Comparison;

/// The paragraph saying what was measured, then the table.
pub fn section(t: &mut String, comparisons: &[Comparison], o: &Options) {
    if comparisons.is_empty() {
        return;
    }
    let instructions = comparisons
        .iter()
        .flat_map(|c| &c.variants)
        .any(|v| v.instructions.is_some());
    let _ = writeln!(
        t,
        "**Metrics.** The `hello` handler (`#[lambda_handler]`, no event, constant reply) in two \
         bootstraps of the bench package, both built with lambda-kit's `metrics` feature (so both \
         install its recorder, give every invocation its own collector and write the `ColdStart` \
         document once): bench/src/metrics_none.rs records no metric; bench/src/metrics_ten.rs \
         records {RECORDED} per invocation through `lambda_kit::metrics` (six counters, one of \
         them with a label, two gauges, two histogram values), which every invocation writes when \
         it ends as two Embedded Metric Format lines on stdout (the labelled counter in a document \
         of its own). Stdout goes to `/dev/null` during timed runs{}. {} timed invocations per \
         variant. Baseline: recording none. Not measured here: the `metrics` feature against a \
         build without it, or what CloudWatch does with the lines.\n",
        if instructions {
            "; under callgrind the emulator reads it, and callgrind counts the process's \
             instructions, not the kernel's work on the writes. Instructions as above"
        } else {
            ""
        },
        o.invocations / o.rounds * o.rounds,
    );
    latency_sections(t, comparisons);
}
