//! `lambda_kit_cli::template` end to end, on a throwaway workspace whose
//! `lambda-kit` is a stub package and whose bootstraps print their
//! descriptions by hand (no dependencies: it builds in seconds, offline).

use lambda_kit_cli::{template, Outcome, TemplateOptions};
use std::fs;
use std::path::Path;

const SQS: &str = r#"{"lambda_kit_description":1,"handler":"place","kind":"sqs","routes":[],"memory":null,"timeout":null,"architecture":null,"environment":[],"database":false,"source":"OrdersQueue","batch_size":10,"trigger":null,"api":null}"#;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn package(root: &Path, dir: &str, name: &str, main: &str) {
    write(
        root,
        &format!("{dir}/Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nlambda-kit = {{ path = \"../kit\" }}\n"
        ),
    );
    write(root, &format!("{dir}/src/main.rs"), main);
}

fn describing(json: &str) -> String {
    format!(
        "fn main() {{\n    if std::env::var_os(\"LAMBDA_KIT_DESCRIBE\").is_some() {{\n        \
         println!(\"{{}}\", r#\"{json}\"#);\n        return;\n    }}\n    std::process::exit(9);\n}}\n"
    )
}

#[test]
fn generates_checks_and_reports_bad_bootstraps() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The nested `cargo build` gets a target directory of its own rather
    // than waiting on the lock of the one running this test.
    std::env::set_var("CARGO_TARGET_DIR", root.join("target"));
    // As a cargo-lambda project's `build.target` would: the bootstraps are
    // still built for (and run on) the host.
    std::env::set_var("CARGO_BUILD_TARGET", "wasm32-unknown-unknown");
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"kit\", \"orders\", \"tools\"]\nresolver = \"2\"\n\n\
         [workspace.metadata.lambda-kit]\nexclude = [\"tools\"]\n",
    );
    write(
        root,
        "kit/Cargo.toml",
        "[package]\nname = \"lambda-kit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(root, "kit/src/lib.rs", "");
    package(root, "orders", "orders", &describing(SQS));
    // Excluded: it would fail to describe itself.
    package(root, "tools", "tools", "fn main() {}\n");

    let options = |check| TemplateOptions {
        manifest_path: Some(root.join("Cargo.toml")),
        template: None,
        check,
    };
    let queue = "Resources:\n  OrdersQueue:\n    Type: AWS::SQS::Queue\n";
    let path = root.join("template.yaml");

    // No template yet: the queue the code names is not in it.
    let err = template(&options(true)).unwrap_err().to_string();
    assert!(
        err.contains("its source `OrdersQueue` names no resource"),
        "{err}"
    );
    assert!(!path.exists());

    // A hand-written template with the queue: --check reports the function
    // as missing.
    fs::write(&path, queue).unwrap();
    let Outcome::Stale { diff, .. } = template(&options(true)).unwrap().outcome else {
        panic!("expected a stale template");
    };
    assert!(diff.contains("+  OrdersFunction:"), "{diff}");

    assert_eq!(
        template(&options(false)).unwrap().outcome,
        Outcome::Written(path.clone())
    );
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("      CodeUri: orders\n"), "{text}");
    assert!(
        text.contains("            Queue: !GetAtt OrdersQueue.Arn\n"),
        "{text}"
    );
    assert_eq!(
        template(&options(true)).unwrap().outcome,
        Outcome::UpToDate(path.clone())
    );

    // A hand edit to an owned key is stale; one to a kept key is not.
    fs::write(&path, text.replace("BatchSize: 10", "BatchSize: 5")).unwrap();
    let Outcome::Stale { diff, .. } = template(&options(true)).unwrap().outcome else {
        panic!("expected a stale template");
    };
    assert!(
        diff.contains("-            BatchSize: 5\n+            BatchSize: 10\n"),
        "{diff}"
    );
    let kept = text.replace(
        "      Runtime: provided.al2023\n",
        "      Runtime: provided.al2023\n      Description: mine\n",
    );
    fs::write(&path, &kept).unwrap();
    assert_eq!(
        template(&options(true)).unwrap().outcome,
        Outcome::UpToDate(path.clone())
    );

    // A template in a subdirectory: CodeUri is relative to it, as SAM reads
    // it.
    write(root, "deploy/template.yaml", queue);
    let deploy = TemplateOptions {
        template: Some(root.join("deploy/template.yaml")),
        ..options(false)
    };
    assert_eq!(
        template(&deploy).unwrap().outcome,
        Outcome::Written(root.join("deploy/template.yaml"))
    );
    let text = fs::read_to_string(root.join("deploy/template.yaml")).unwrap();
    assert!(text.contains("      CodeUri: \"../orders\"\n"), "{text}");

    // Two bootstraps that do not describe themselves: both reported, with
    // their packages, and nothing written.
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"kit\", \"orders\", \"tools\"]\nresolver = \"2\"\n",
    );
    package(root, "orders", "orders", "fn main() {}\n");
    write(
        root,
        "orders/src/bin/second.rs",
        "fn main() { eprintln!(\"boom\"); std::process::exit(3); }\n",
    );
    let err = template(&options(false)).unwrap_err().to_string();
    assert!(err.contains("binary `orders` (package `orders`)"), "{err}");
    assert!(err.contains("printed no description line"), "{err}");
    assert!(err.contains("binary `second` (package `orders`)"), "{err}");
    assert!(err.contains("boom"), "{err}");
    assert!(err.contains("binary `tools` (package `tools`)"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), kept);
}
