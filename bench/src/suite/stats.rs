//! Latency samples reduced to the figures the report shows.

use std::time::Duration;

use serde::Serialize;

/// Min, median, p99 and throughput of one variant's samples, in µs.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub n: usize,
    pub min_us: f64,
    pub median_us: f64,
    pub p99_us: f64,
    pub mean_us: f64,
    /// Invocations per second, one at a time (as Lambda sends them).
    pub per_second: f64,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        let mut sorted = samples.to_vec();
        sorted.sort();
        let at = |q: f64| micros(sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]);
        let total: Duration = sorted.iter().sum();
        Stats {
            n: sorted.len(),
            min_us: micros(sorted[0]),
            median_us: at(0.5),
            p99_us: at(0.99),
            mean_us: micros(total) / sorted.len() as f64,
            per_second: sorted.len() as f64 / total.as_secs_f64(),
        }
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_series() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let stats = Stats::of(&samples);
        assert_eq!(stats.min_us, 1.0);
        assert_eq!(stats.median_us, 51.0);
        assert_eq!(stats.p99_us, 99.0);
        assert!((stats.per_second - 100.0 / 0.00505).abs() < 1.0);
    }
}
