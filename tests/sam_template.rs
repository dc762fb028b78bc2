//! The SAM template (`template.yaml`) passes `cfn-lint` without a single
//! finding, and deploys binaries the package really has.
//!
//! cfn-lint 1.x comes from PyPI; the test installs it with pip when it is
//! missing, so it runs on a clean machine with Python 3. That makes it a
//! tier-2 test: ignored by plain `cargo test`, run by tests/run.sh (or
//! `cargo test --test sam_template -- --include-ignored`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The major version the template is checked with: a new major may bring
/// new rules, taken on deliberately.
const CFN_LINT: &str = "cfn-lint>=1,<2";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
}

fn template() -> String {
    std::fs::read_to_string(workspace().join("template.yaml")).expect("template.yaml")
}

fn run(command: &mut Command) -> std::io::Result<Output> {
    command.stdin(Stdio::null()).output()
}

/// Where pip puts `cfn-lint`: on PATH, python's scripts directory, or the
/// user scripts directory (pip's fallback without write access).
fn candidates() -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from("cfn-lint")];
    let script = "import os, sysconfig; \
                  print(sysconfig.get_path('scripts')); \
                  print(sysconfig.get_path('scripts', os.name + '_user'))";
    if let Ok(output) = run(Command::new("python3").args(["-c", script])) {
        found.extend(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(|dir| Path::new(dir.trim()).join("cfn-lint")),
        );
    }
    found
}

/// A `cfn-lint` of the pinned major version, if one is installed.
fn find_cfn_lint() -> Option<PathBuf> {
    candidates().into_iter().find(|candidate| {
        run(Command::new(candidate).arg("--version")).is_ok_and(|output| {
            // `cfn-lint 1.51.0`
            output.status.success()
                && String::from_utf8_lossy(&output.stdout).contains("cfn-lint 1.")
        })
    })
}

fn cfn_lint() -> PathBuf {
    if let Some(found) = find_cfn_lint() {
        return found;
    }
    let install = run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        CFN_LINT,
    ]))
    .unwrap_or_else(|err| panic!("cannot run python3 to install {CFN_LINT:?} with pip: {err}"));
    assert!(
        install.status.success(),
        "`python3 -m pip install {CFN_LINT:?}` failed ({}):\n{}",
        install.status,
        String::from_utf8_lossy(&install.stderr)
    );
    find_cfn_lint().unwrap_or_else(|| {
        panic!("pip installed {CFN_LINT:?}, but no `cfn-lint` of that version is on PATH or in python's scripts directories")
    })
}

#[test]
#[ignore = "tier 2: installs cfn-lint with pip; tests/run.sh runs it"]
fn cfn_lint_finds_nothing() {
    let cfn_lint = cfn_lint();
    let output = run(Command::new(&cfn_lint)
        .current_dir(workspace())
        .arg("template.yaml"))
    .unwrap_or_else(|err| panic!("cannot run {}: {err}", cfn_lint.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim().is_empty() && stderr.trim().is_empty(),
        "cfn-lint template.yaml: {}\n{stdout}{stderr}",
        output.status
    );
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
    for expected in ["hello", "echo", "rds_lookup", "api_hello", "items"] {
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
