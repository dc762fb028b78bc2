//! Instructions per invocation, counted by callgrind.

use lambda_kit::testing::Function;
use serde_json::Value;

use crate::options::Options;
use crate::rounds::invoke;
use crate::variants::Variant;

/// Instructions one bootstrap executes per invocation: callgrind's count
/// for 1,100 invocations minus its count for 100, over 1,000.
pub async fn instructions(
    variant: &Variant,
    event: &Value,
    expected: &Value,
    options: &Options,
) -> f64 {
    instructions_events(variant, &|_| (event.clone(), expected.clone()), options).await
}

/// [`instructions`] with an event per invocation: `events(n)` is the
/// `n`th invocation's (counting from 0 over both processes) and the reply
/// expected.
pub async fn instructions_events(
    variant: &Variant,
    events: &dyn Fn(u64) -> (Value, Value),
    options: &Options,
) -> f64 {
    let mut sent = 0;
    let mut totals = Vec::new();
    for invocations in [100, 1100] {
        let out = std::env::temp_dir().join(format!(
            "lambda-kit-callgrind-{}-{}-{invocations}.out",
            variant.key,
            std::process::id()
        ));
        let wrapper = [
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ];
        let mut function = Function::spawn_command(variant.command(options, &wrapper))
            .await
            .expect("valgrind starts");
        for _ in 0..invocations {
            let (event, expected) = events(sent);
            sent += 1;
            invoke(&mut function, variant, &event, &expected).await;
        }
        function.shut_down().await.expect("the bootstrap exits");
        let profile = std::fs::read_to_string(&out).expect("callgrind wrote its profile");
        if std::env::args().any(|a| a == "--keep-profiles") {
            eprintln!("  kept {}", out.display());
        } else {
            let _ = std::fs::remove_file(&out);
        }
        totals.push(
            profile
                .lines()
                .find_map(|l| {
                    l.strip_prefix("summary: ")
                        .or_else(|| l.strip_prefix("totals: "))
                })
                .and_then(|n| n.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
                .expect("callgrind profile has a summary line"),
        );
    }
    totals[1].saturating_sub(totals[0]) as f64 / 1000.0
}
