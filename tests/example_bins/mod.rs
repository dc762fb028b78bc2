//! The examples' bootstraps, for the end-to-end tests that drive them. Each
//! example is a package of its own (`examples/NAME`), so its binary is not
//! one of this package's (`CARGO_BIN_EXE_*` does not reach it): the first
//! use builds all of them, with this test binary's profile into this test
//! binary's target directory, and later uses find them there.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Every example package; each has one binary of the same name.
pub const EXAMPLES: [&str; 9] = [
    "hello",
    "echo",
    "any_event",
    "fail",
    "rds_lookup",
    "api_hello",
    "items",
    "orders_queue",
    "charge",
];

/// An example's bootstrap, usable wherever a program path is
/// (`Command::new(HELLO)`, `Function::spawn(HELLO)`).
#[derive(Clone, Copy)]
pub struct Example(pub &'static str);

impl Example {
    /// The built binary.
    pub fn path(self) -> &'static Path {
        built()
            .get(self.0)
            .unwrap_or_else(|| panic!("`{}` is not an example package", self.0))
    }
}

impl AsRef<OsStr> for Example {
    fn as_ref(&self) -> &OsStr {
        self.path().as_os_str()
    }
}

impl AsRef<Path> for Example {
    fn as_ref(&self) -> &Path {
        self.path()
    }
}

fn built() -> &'static HashMap<&'static str, PathBuf> {
    static BUILT: OnceLock<HashMap<&'static str, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        // This test runs from `<target>/<profile>/deps/`.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in <target>/<profile>/deps");
        let target_dir = profile_dir.parent().expect("a target directory");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("tests/ is in the workspace");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(workspace)
            .args(["build", "--quiet", "--bins", "--target-dir"])
            .arg(target_dir);
        // The directory is named after the profile, but `dev`'s is `debug`.
        match profile_dir.file_name().and_then(OsStr::to_str) {
            Some("debug") | None => {}
            Some(profile) => {
                cargo.args(["--profile", profile]);
            }
        }
        for example in EXAMPLES {
            cargo.args(["-p", example]);
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building the examples failed: {status}");
        EXAMPLES
            .into_iter()
            .map(|name| (name, profile_dir.join(name)))
            .collect()
    })
}

/// Runs `program ARGS` in local mode (no `AWS_LAMBDA_RUNTIME_API`) to the
/// end, with `stdin` piped in (or none at all), and returns its output.
#[allow(dead_code)] // only some of the test crates run bootstraps locally
pub fn run_locally(program: impl AsRef<OsStr>, args: &[&str], stdin: Option<&str>) -> Output {
    run_locally_with_env(program, args, stdin, &[])
}

/// [`run_locally`] with these environment variables set as well (a
/// database example's `DATABASE_URL`).
#[allow(dead_code)]
pub fn run_locally_with_env(
    program: impl AsRef<OsStr>,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}
