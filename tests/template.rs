//! A new user's project: `cargo lambda new --template templates/function`
//! makes a crate outside this repository that depends on lambda-kit with
//! the dependency line the README documents, builds, passes its own tests
//! (a unit test and its bootstrap under the Runtime API emulator) and has
//! a SAM template cfn-lint finds nothing in; both kinds, plain events and
//! HTTP.
//!
//! The documented line points at the GitHub repository. The test fetches it
//! from this checkout instead (git's `url.<base>.insteadOf`, with cargo
//! fetching through the git CLI), so it builds the committed `HEAD` of this
//! repository exactly as a user's crate would build the published one.
//!
//! Tier 2: needs cargo-lambda and cfn-lint (tests/run.sh installs both) and
//! crates.io; ignored by plain `cargo test`.

mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use tools::{require_cargo_lambda, run, workspace};

/// Where the documented dependency line points.
const REPOSITORY: &str = "https://github.com/lambda-kit/lambda-kit";

/// The README's dependency line for a crate of one's own.
fn documented_line() -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let prefix = format!("lambda-kit = {{ git = \"{REPOSITORY}\"");
    readme
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("the README gives no `{prefix} ...` dependency line"))
        .to_owned()
}

/// A scratch directory outside the workspace, emptied first.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lambda-kit-template-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    assert!(
        !dir.starts_with(workspace()),
        "{} must be outside the workspace",
        dir.display()
    );
    dir
}

/// `cargo lambda new NAME --template templates/function`, without prompts.
fn new_project(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let template = workspace().join("templates/function");
    let output = run(Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["lambda", "new", name, "--no-interactive", "--template"])
        .arg(&template)
        .args(extra))
    .expect("cargo lambda new");
    assert!(
        output.status.success(),
        "cargo lambda new {name}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    dir.join(name)
}

/// The workspace's target directory, which the projects' builds go under.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    }
}

/// `cargo test` in `project`, with the documented git URL served by this
/// checkout.
fn cargo_test(project: &Path) -> String {
    let checkout = workspace();
    assert!(
        checkout.join(".git").exists(),
        "{} is not a git checkout: the test fetches lambda-kit from it as from GitHub",
        checkout.display()
    );
    // The project resolves with the workspace's versions of every shared
    // dependency rather than whatever crates.io has newest today.
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).expect("Cargo.lock");
    let output = run(Command::new(env!("CARGO"))
        .current_dir(project)
        .arg("test")
        .env("CARGO_TARGET_DIR", target_dir().join("template-projects"))
        .env("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
        .env("GIT_CONFIG_COUNT", "1")
        .env(
            "GIT_CONFIG_KEY_0",
            format!("url.file://{}.insteadOf", checkout.display()),
        )
        .env("GIT_CONFIG_VALUE_0", REPOSITORY)
        // Line tables are enough for a test run, and take a fraction of the
        // disk of full debug info.
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        // Not this workspace's settings: the project is a crate of its own.
        .env_remove("CARGO_INCREMENTAL")
        .env_remove("RUSTFLAGS"))
    .expect("cargo test");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "cargo test in {}: {}\n{stdout}\n{}",
        project.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
#[ignore = "tier 2: needs cargo-lambda, cfn-lint (tests/run.sh installs them) and crates.io"]
fn template_projects_build_and_pass_their_tests_outside_the_repository() {
    require_cargo_lambda();
    let line = documented_line();
    let dir = scratch();
    for (name, extra, kind) in [
        ("greeter", &[][..], "events"),
        ("greeter-api", &["--http"][..], "HTTP"),
    ] {
        let project = new_project(&dir, name, extra);
        let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("Cargo.toml");
        let dependency = manifest
            .lines()
            .find(|line| line.starts_with("lambda-kit = "))
            .expect("a lambda-kit dependency");
        let expected = match kind {
            "HTTP" => line.replace(" }", ", features = [\"http\"] }"),
            _ => line.clone(),
        };
        assert_eq!(dependency, expected, "{name}: the README's line");
        assert!(
            manifest.contains("[profile.release]\npanic = \"unwind\""),
            "{name}: the release profile keeps panics catchable:\n{manifest}"
        );

        let stdout = cargo_test(&project);
        // The unit test of src/main.rs, then tests/bootstrap.rs.
        assert_eq!(
            stdout.matches("test result: ok. 1 passed").count(),
            2,
            "{name} ({kind}): both of its tests ran and passed:\n{stdout}"
        );
        tools::assert_cfn_lint_clean(&project, "template.yaml");
    }
    std::fs::remove_dir_all(&dir).expect("scratch directory removed");
}
