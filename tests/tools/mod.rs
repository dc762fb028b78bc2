//! The Python tools of the tier-2 tests. `tests/run.sh` installs them into a
//! virtual environment (`target/tools-venv`) and puts its `bin` first on
//! PATH; run alone, a test needs them on PATH.

// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The cfn-lint major version templates are checked with: a new major may
/// bring new rules, taken on deliberately.
const CFN_LINT_MAJOR: &str = "cfn-lint 1.";

/// The workspace root.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
}

/// Runs `command` with no standard input and collects its output.
pub fn run(command: &mut Command) -> std::io::Result<Output> {
    command.stdin(Stdio::null()).output()
}

/// Asserts that cfn-lint 1.x finds nothing in `template` (run from `dir`).
pub fn assert_cfn_lint_clean(dir: &Path, template: &str) {
    let version = run(Command::new("cfn-lint").arg("--version"));
    match &version {
        // `cfn-lint 1.51.0`
        Ok(output)
            if output.status.success()
                && String::from_utf8_lossy(&output.stdout).contains(CFN_LINT_MAJOR) => {}
        _ => panic!(
            "no cfn-lint 1.x on PATH ({version:?}): `bash tests/run.sh` installs it into \
             target/tools-venv; alone: `pip install 'cfn-lint>=1,<2'`"
        ),
    }
    let output = run(Command::new("cfn-lint").current_dir(dir).arg(template))
        .unwrap_or_else(|err| panic!("cannot run cfn-lint: {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim().is_empty() && stderr.trim().is_empty(),
        "cfn-lint {template} in {}: {}\n{stdout}{stderr}",
        dir.display(),
        output.status
    );
}

/// Panics, saying how to install it, unless `cargo lambda` runs.
pub fn require_cargo_lambda() {
    let found = run(Command::new(env!("CARGO")).args(["lambda", "--version"]))
        .is_ok_and(|output| output.status.success());
    assert!(
        found,
        "cargo-lambda is not installed: `bash tests/run.sh` installs it into \
         target/tools-venv; alone: `pip install cargo-lambda` and put the `cargo-lambda` \
         script it installs on PATH"
    );
}
