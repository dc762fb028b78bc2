//! Number formats and the tables: latency per comparison, sizes.

use std::fmt::Write as _;

use crate::rounds::{Comparison, Measured};
use crate::sizes::Size;

pub fn us(value: f64) -> String {
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

/// A ratio as a signed percentage: 1.013 is "+1.3%".
pub fn pct(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

fn baseline(comparison: &Comparison) -> &Measured {
    comparison
        .variants
        .iter()
        .find(|v| v.label == comparison.baseline)
        .expect("the baseline is one of the variants")
}

pub fn find<'c>(comparison: &'c Comparison, key: &str) -> &'c Measured {
    comparison
        .variants
        .iter()
        .find(|v| v.key == key)
        .expect("variant present")
}

/// One `###` heading and latency table per comparison.
pub fn latency_sections(text: &mut String, comparisons: &[Comparison]) {
    for c in comparisons {
        let _ = writeln!(text, "### {}\n", c.title);
        latency_table(text, c, true, true);
        text.push('\n');
    }
}

/// A latency table with ratios to the comparison's baseline.
pub fn latency_table(text: &mut String, comparison: &Comparison, with_memory: bool, rate: bool) {
    let base = baseline(comparison);
    let instructions = comparison.variants.iter().any(|v| v.instructions.is_some());
    let round_trips = comparison.variants.iter().any(|v| v.round_trips.is_some());
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
    if round_trips {
        text.push_str(" database round trips / invocation |");
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
    if round_trips {
        text.push_str("---:|");
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
        if round_trips {
            match v.round_trips {
                Some(r) => {
                    let _ = write!(text, " {r:.2} |");
                }
                None => text.push_str(" – |"),
            }
        }
        text.push('\n');
    }
}

pub fn size_table(text: &mut String, sizes: &[Size]) {
    let _ = writeln!(text, "| bootstrap | size | |\n|---|---:|---|");
    for s in sizes {
        let _ = writeln!(
            text,
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
    text.push('\n');
}
