//! The deployable artifact: bootstraps built by `cargo lambda build
//! --release` (the command the README gives for deployment) behave like the
//! debug builds the other end-to-end tests drive, panics included.
//!
//! Tier 2: needs cargo-lambda (with zig), which tests/run.sh installs, and
//! release builds of its own; ignored by plain `cargo test`, run by
//! tests/run.sh (or `cargo test --test cargo_lambda -- --include-ignored`).

use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_kit::testing::Function;

// Only the list of examples is used here, not the debug builds.
#[allow(dead_code)]
mod example_bins;
use example_bins::EXAMPLES;
use serde_json::json;

/// Builds `bins` with cargo-lambda into their own target directory (release
/// builds with another panic strategy must not replace the workspace's)
/// and returns where the bootstraps are.
fn cargo_lambda_build(bins: &[&str], panic_strategy: &str) -> PathBuf {
    // One build at a time: tests run in parallel, and two `cargo lambda
    // build`s into one target directory (the two abort tests) collide.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    let target_dir = workspace
        .join("target")
        .join(format!("cargo-lambda-{panic_strategy}"));
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace)
        .args(["lambda", "build", "--release"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_PROFILE_RELEASE_PANIC", panic_strategy);
    for bin in bins {
        command.args(["--bin", bin]);
    }
    let status = command.status().unwrap_or_else(|err| {
        panic!("cannot run `cargo lambda` ({err}); install it with `pip install cargo-lambda` (tests/run.sh does)")
    });
    assert!(
        status.success(),
        "`cargo lambda build --release` failed ({status}); is cargo-lambda installed? `pip install cargo-lambda`"
    );
    target_dir.join("lambda")
}

#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda and zig (tests/run.sh installs them); tests/run.sh runs it"]
async fn release_bootstraps_from_cargo_lambda_serve_and_survive_panics() {
    // One build of every example (as `cargo lambda build --release` without
    // `--bin` would) plus the fixture.
    let mut bins = EXAMPLES.to_vec();
    bins.push("kit_fixture");
    let lambda_dir = cargo_lambda_build(&bins, "unwind");
    for bin in bins {
        let bootstrap = lambda_dir.join(bin).join("bootstrap");
        let size = std::fs::metadata(&bootstrap)
            .unwrap_or_else(|err| panic!("no {}: {err}", bootstrap.display()))
            .len();
        assert!(size > 0, "{} is empty", bootstrap.display());
    }

    let mut hello = Function::spawn(lambda_dir.join("hello/bootstrap"))
        .await
        .unwrap();
    assert_eq!(
        hello.invoke(&json!({})).await.unwrap(),
        Ok(json!("Hello World!!"))
    );

    let mut fixture = Function::spawn(lambda_dir.join("kit_fixture/bootstrap"))
        .await
        .unwrap();
    let pid = json!(fixture.pid().unwrap());
    let err = fixture
        .invoke(&json!({"action": "panic", "message": "release panic"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        ("Panic", "release panic")
    );
    let after = fixture.invoke(&json!({"action": "count"})).await.unwrap();
    assert_eq!(
        after,
        Ok(json!({"count": 2, "pid": pid})),
        "the same process kept serving"
    );
}

/// With `panic = "abort"` in the user's release profile nothing can be
/// caught, but the invocation is still answered with the panic's message
/// before the process exits (Lambda then starts a fresh instance). The
/// bootstrap is a package on lambda-kit's default features alone, so this
/// second release build compiles a fraction of the first.
#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda and zig (tests/run.sh installs them); tests/run.sh runs it"]
async fn abort_builds_still_answer_the_panicking_invocation() {
    let lambda_dir = cargo_lambda_build(&["abort_fixture"], "abort");
    let mut fixture = Function::spawn(lambda_dir.join("abort_fixture/bootstrap"))
        .await
        .unwrap();
    assert_eq!(
        fixture
            .invoke(&json!({"action": "count"}))
            .await
            .unwrap()
            .unwrap()["count"],
        1
    );
    let err = fixture
        .invoke(&json!({"action": "panic", "message": "abort panic"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        ("Panic", "abort panic")
    );
    let status = fixture.wait().await.unwrap();
    assert!(
        !status.success(),
        "an abort build exits after a panic: {status}"
    );
}

/// Several invocations in flight (Lambda Managed Instances): the panic is
/// reported to the invocation that panicked, not to the one started last.
/// The panicking one logs that it waits before the other is even queued, so
/// the other starts after it.
#[tokio::test]
#[ignore = "tier 2: needs cargo-lambda and zig (tests/run.sh installs them); tests/run.sh runs it"]
async fn abort_builds_answer_the_concurrent_invocation_that_panicked() {
    let lambda_dir = cargo_lambda_build(&["abort_fixture"], "abort");
    let mut command = tokio::process::Command::new(lambda_dir.join("abort_fixture/bootstrap"));
    command.env(lambda_kit::MAX_CONCURRENCY_ENV, "2");
    let mut fixture = Function::spawn_command(command).await.unwrap();
    let panicking = fixture
        .api()
        .invoke_in_background(json!({"action": "wait", "message": "the first panics"}).to_string());
    fixture
        .wait_for_output(
            |output| output.contains("waiting for another invocation"),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    // Never answered: the process aborts while it waits.
    let _later = fixture
        .api()
        .invoke_in_background(json!({"action": "arrive"}).to_string());
    let completion = panicking.await.unwrap();
    let err = completion.into_result().unwrap_err();
    let status = fixture.wait().await.unwrap();
    assert!(
        !status.success(),
        "an abort build exits after a panic: {status}"
    );
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        ("Panic", "the first panics")
    );
}
