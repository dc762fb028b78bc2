//! What recording metrics costs per invocation: `hello` recording ten
//! metrics through `lambda_kit::metrics` against the same handler
//! recording none, both built with lambda-kit's `metrics` feature.

use serde_json::json;

use crate::variants::Variant;
use crate::Case;

/// What `--only` calls it.
pub const NAME: &str = "metrics";

/// Metrics bench_metrics_ten records per invocation.
pub const RECORDED: usize = 10;

/// The comparison, the baseline (recording none) last.
pub fn case() -> Case {
    Case {
        name: NAME,
        title: format!("metrics, {RECORDED} recorded per invocation: warm invocations"),
        variants: vec![
            Variant::bin(
                "#[lambda_handler] recording 10 metrics",
                "ten",
                "bench_metrics_ten",
            ),
            Variant::bin(
                "#[lambda_handler] recording none",
                "none",
                "bench_metrics_none",
            ),
        ],
        event: json!({}),
        expected: json!("Hello World!!"),
    }
}
