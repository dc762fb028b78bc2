//! A bootstrap for the metrics tests: what it records is chosen by the
//! event, so one binary covers every shape the EMF writer must handle.
//!
//! `{"counters": 150}` records counters `c000`..`c149`; `{"values": 250}`
//! records 250 distinct values of histogram `latency` (milliseconds) and
//! each of them twice; `{"labels": 40}` records `wide` with 40 labels;
//! `{"invalid": true}` records metrics CloudWatch would reject;
//! `{"quiet": true}` records nothing;
//! `{"then": "fail" | "panic" | "sleep"}` ends the invocation with an
//! error, a panic, or a sleep past its deadline, after recording.

use std::time::Duration;

use lambda_kit::metrics::{counter, describe_histogram, gauge, histogram, Unit};
use lambda_kit::{lambda_handler, Error};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Command {
    counters: usize,
    values: usize,
    labels: usize,
    invalid: bool,
    quiet: bool,
    channel: Option<String>,
    then: Option<String>,
}

fn setup() {
    // Recorded outside any invocation: written with the first flush.
    counter!("inits").increment(1);
    describe_histogram!("latency", Unit::Milliseconds, "handler latency");
}

#[lambda_handler(init = setup)]
async fn handler(command: Command) -> Result<&'static str, Error> {
    // Seen only when DEBUG is on for this invocation (the sampling tests).
    tracing::debug!("recording metrics");
    if command.quiet {
        return Ok("recorded nothing");
    }
    counter!("requests").increment(1);
    counter!("requests").increment(2);
    gauge!("queue_depth").set(7.0);
    gauge!("queue_depth").set(3.0);
    if let Some(channel) = command.channel {
        counter!("orders", "channel" => channel).increment(1);
    }
    for i in 0..command.counters {
        counter!(format!("c{i:03}")).increment(i as u64);
    }
    for i in 0..command.values {
        histogram!("latency").record(i as f64);
        histogram!("latency").record(i as f64);
    }
    if command.labels > 0 {
        let labels: Vec<(String, String)> = (0..command.labels)
            .map(|i| (format!("d{i:02}"), format!("v{i}")))
            .collect();
        counter!("wide", &labels).increment(1);
    }
    if command.invalid {
        counter!("").increment(1);
        counter!("bad\u{7}name").increment(1);
        counter!("orders", "" => "x").increment(1);
        gauge!("not_a_number").set(f64::NAN);
    }
    match command.then.as_deref() {
        Some("fail") => Err(Error::msg("failed on purpose")),
        Some("panic") => panic!("panicked on purpose"),
        Some("sleep") => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok("woke")
        }
        _ => Ok("recorded"),
    }
}
