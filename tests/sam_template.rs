//! The SAM template (`template.yaml`) passes `cfn-lint` without a single
//! finding, and deploys binaries the package really has.
//!
//! cfn-lint 1.x comes from PyPI, installed by tests/run.sh: a tier-2 test,
//! ignored by plain `cargo test`, run by tests/run.sh (or, with cfn-lint on
//! PATH, `cargo test --test sam_template -- --include-ignored`).

mod tools;
use tools::workspace;

fn template() -> String {
    std::fs::read_to_string(workspace().join("template.yaml")).expect("template.yaml")
}

#[test]
#[ignore = "tier 2: needs cfn-lint, which tests/run.sh installs; tests/run.sh runs it"]
fn cfn_lint_finds_nothing() {
    tools::assert_cfn_lint_clean(workspace(), "template.yaml");
}

/// Every `rust-cargolambda` function is built from an example package:
/// `CodeUri` is its directory (so `sam build` builds it with only its own
/// features) and `Binary` its binary, so `sam build` builds what the
/// function runs.
#[test]
fn every_function_deploys_the_binary_of_its_package() {
    let template = template();
    let field = |name: &str| -> Vec<String> {
        template
            .lines()
            .filter_map(|line| line.trim().strip_prefix(name))
            .map(str::to_owned)
            .collect()
    };
    let (binaries, code_uris) = (field("Binary: "), field("CodeUri: "));
    assert_eq!(
        template.matches("BuildMethod: rust-cargolambda").count(),
        binaries.len(),
        "every function names its binary"
    );
    assert_eq!(
        binaries.len(),
        code_uris.len(),
        "every function has a CodeUri"
    );
    for expected in [
        "hello",
        "echo",
        "rds_lookup",
        "api_hello",
        "items",
        "orders_queue",
        "charge",
    ] {
        assert!(
            binaries.iter().any(|b| b == expected),
            "{expected} is deployed"
        );
    }
    for (binary, code_uri) in binaries.iter().zip(&code_uris) {
        let package = workspace().join(code_uri);
        let manifest = std::fs::read_to_string(package.join("Cargo.toml")).unwrap_or_else(|err| {
            panic!(
                "template.yaml builds `{binary}` from {code_uri}, which has no Cargo.toml: {err}"
            )
        });
        assert!(
            manifest
                .lines()
                .any(|line| line.trim() == format!("name = \"{binary}\"")),
            "the package in {code_uri} is not named `{binary}`:\n{manifest}"
        );
        assert!(
            package.join("src/main.rs").is_file(),
            "{code_uri} has no src/main.rs, so no binary `{binary}`"
        );
    }
}

/// Every SQS event source reports partial batch failures (without it, one
/// bad record has Lambda retry its whole batch, done records included), and
/// every queue's visibility timeout is at least six times the longest
/// function timeout, as AWS advises for queues Lambda reads.
#[test]
fn sqs_functions_report_failed_records_and_queues_outwait_them() {
    let template = template();
    let lines: Vec<&str> = template.lines().map(str::trim).collect();
    let count = |line: &str| lines.iter().filter(|l| **l == line).count();
    assert!(count("Type: SQS") > 0, "orders_queue is fed by a queue");
    assert_eq!(
        count("Type: SQS"),
        count("- ReportBatchItemFailures"),
        "every SQS event has FunctionResponseTypes: [ReportBatchItemFailures]"
    );
    let seconds = |name: &str| -> Vec<u32> {
        lines
            .iter()
            .filter_map(|line| line.strip_prefix(name))
            .map(|value| value.parse().expect("a number of seconds"))
            .collect()
    };
    let longest = seconds("Timeout: ").into_iter().max().expect("a Timeout");
    let visibility = seconds("VisibilityTimeout: ");
    assert_eq!(
        visibility.len(),
        count("Type: SQS"),
        "each queue Lambda reads sets it"
    );
    for timeout in visibility {
        assert!(
            timeout >= 6 * longest,
            "VisibilityTimeout {timeout} is under 6 x the function timeout ({longest} s)"
        );
    }
}
