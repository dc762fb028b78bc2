//! What registering the shutdown extension costs a cold start: a bootstrap
//! is started under the Runtime API emulator with
//! `LAMBDA_KIT_SHUTDOWN_EXTENSION=off` and `=on`, alternately (the order
//! flipping every round, so drift in the machine's load hits both alike),
//! and the time from spawning the process to the first invocation's answer
//! is recorded. Prints the medians and their difference.
//!
//! `cargo run -p lambda-kit-bench --bin shutdown_extension -- [ROUNDS] [BOOTSTRAP]`
//! (default: 200 rounds of the `hello` example, release build if there is
//! one, else the one next to this program).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lambda_kit::testing::Function;
use tokio::process::Command;

async fn cold_start(bootstrap: &PathBuf, extension: &str) -> Duration {
    let mut command = Command::new(bootstrap);
    command.env("LAMBDA_KIT_SHUTDOWN_EXTENSION", extension);
    let started = Instant::now();
    let mut function = Function::spawn_command(command)
        .await
        .expect("the bootstrap starts");
    let reply = function
        .invoke(&serde_json::json!({}))
        .await
        .expect("the bootstrap answers");
    let elapsed = started.elapsed();
    assert!(reply.is_ok(), "{reply:?}");
    let registered = function.api().extensions();
    assert_eq!(registered.is_empty(), extension == "off", "{registered:?}");
    function.signal("TERM").expect("the bootstrap is running");
    function.wait().await.expect("the bootstrap exits");
    elapsed
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn quantile(samples: &[Duration], q: f64) -> Duration {
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map_or(200, |r| r.parse().expect("ROUNDS is a number"));
    let bootstrap = args.next().map(PathBuf::from).unwrap_or_else(|| {
        let dir = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .to_owned();
        let release = dir.join("../release/hello");
        if release.exists() {
            release
        } else {
            dir.join("hello")
        }
    });
    println!("bootstrap: {}", bootstrap.display());
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            off.push(cold_start(&bootstrap, "off").await);
            on.push(cold_start(&bootstrap, "on").await);
        } else {
            on.push(cold_start(&bootstrap, "on").await);
            off.push(cold_start(&bootstrap, "off").await);
        }
    }
    let (m_off, m_on) = (median(&mut off), median(&mut on));
    println!("| extension | runs | median | p10 | p90 |");
    println!("|---|---|---|---|---|");
    for (name, samples, m) in [("off", &off, m_off), ("on", &on, m_on)] {
        println!(
            "| {name} | {} | {:.3} ms | {:.3} ms | {:.3} ms |",
            samples.len(),
            m.as_secs_f64() * 1e3,
            quantile(samples, 0.1).as_secs_f64() * 1e3,
            quantile(samples, 0.9).as_secs_f64() * 1e3,
        );
    }
    println!(
        "median difference (on - off): {:+.3} ms",
        (m_on.as_secs_f64() - m_off.as_secs_f64()) * 1e3
    );
}
