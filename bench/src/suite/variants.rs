//! The contestants and how each one's process is started.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::options::Options;

/// How a variant's process is started.
#[derive(Clone, Debug)]
enum Program {
    /// A bootstrap built next to this driver, with `BENCH_FLAVOR` if given.
    Bin(&'static str, Option<&'static str>),
    /// `python -m awslambdaric module.handler` in bench/python.
    Python(&'static str),
}

/// One contestant.
#[derive(Clone, Debug)]
pub struct Variant {
    pub label: &'static str,
    /// Short name for the plot and the JSON.
    pub key: &'static str,
    program: Program,
    env: Vec<(String, String)>,
    /// Where the binary is, if not next to this driver.
    dir: Option<PathBuf>,
}

impl Variant {
    pub fn bin(label: &'static str, key: &'static str, binary: &'static str) -> Variant {
        Variant {
            label,
            key,
            program: Program::Bin(binary, None),
            env: Vec::new(),
            dir: None,
        }
    }

    pub fn flavored(mut self, flavor: &'static str) -> Variant {
        if let Program::Bin(binary, _) = self.program {
            self.program = Program::Bin(binary, Some(flavor));
        }
        self
    }

    pub fn python(label: &'static str, key: &'static str, handler: &'static str) -> Variant {
        Variant {
            label,
            key,
            program: Program::Python(handler),
            env: Vec::new(),
            dir: None,
        }
    }

    pub fn with_env(mut self, env: &[(String, String)]) -> Variant {
        self.env.extend_from_slice(env);
        self
    }

    /// The same variant built elsewhere: its binary from `dir`.
    pub fn in_dir(mut self, dir: &Path) -> Variant {
        self.dir = Some(dir.to_path_buf());
        self
    }

    pub fn is_rust(&self) -> bool {
        matches!(self.program, Program::Bin(..))
    }

    /// The command that starts it; under `wrapper` (e.g. valgrind) if given.
    pub fn command(&self, options: &Options, wrapper: &[String]) -> Command {
        let (program, args): (PathBuf, &[&str]) = match &self.program {
            Program::Bin(binary, _) => match &self.dir {
                Some(dir) => (dir.join(binary), &[]),
                None => (sibling(binary), &[]),
            },
            Program::Python(handler) => (
                PathBuf::from(&options.python),
                &["-m", "awslambdaric", handler],
            ),
        };
        let mut command = match wrapper.split_first() {
            Some((wrapper, wrapper_args)) => {
                let mut command = Command::new(wrapper);
                command.args(wrapper_args).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.args(args);
        match &self.program {
            Program::Bin(_, Some(flavor)) => {
                command.env("BENCH_FLAVOR", flavor);
            }
            Program::Bin(_, None) => {}
            Program::Python(_) => {
                command
                    .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/python"))
                    // Lambda's Python runtime writes each line as printed.
                    .env("PYTHONUNBUFFERED", "1");
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

/// Timed runs send the function's stdout (its logs) to /dev/null: the
/// emulator would otherwise capture every line, and waking up for them
/// would land in the measured latency by chance. Stderr stays captured.
pub fn quiet() -> Vec<String> {
    ["sh", "-c", "exec \"$0\" \"$@\" > /dev/null"]
        .map(str::to_owned)
        .to_vec()
}

/// The package of the alternatives written for comparison; each example
/// (through `#[lambda_handler]`) is a package of the same name as its binary.
pub const BENCH: &str = "lambda-kit-bench";

/// A binary of the same build as this one. The examples come from packages
/// of their own, each built alone so it links only what it uses (bench/run.sh
/// does: `cargo build --release -p hello`, likewise echo and rds_lookup).
fn sibling(binary: &str) -> PathBuf {
    let path = std::env::current_exe()
        .expect("current exe")
        .with_file_name(binary);
    assert!(
        path.exists(),
        "{} is not built: run `bash bench/run.sh`, or `cargo build --release -p NAME` for \
         each of hello, echo and rds_lookup before the suite",
        path.display()
    );
    path
}
