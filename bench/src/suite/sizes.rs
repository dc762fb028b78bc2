//! Deployable size: the bootstraps `cargo lambda build --release` makes.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde::Serialize;

use crate::options::Options;

/// A `cargo lambda build --release` bootstrap.
#[derive(Clone, Debug, Serialize)]
pub struct Size {
    pub binary: &'static str,
    pub label: &'static str,
    pub bytes: Option<u64>,
    pub note: String,
}

/// Builds the deployable bootstraps with cargo-lambda and weighs them.
pub fn sizes(
    binaries: &[(&'static str, &'static str, &'static str)],
    options: &Options,
) -> Vec<Size> {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    binaries
        .iter()
        .map(|&(package, binary, label)| {
            let built = options.cargo_lambda
                && StdCommand::new("cargo")
                    .args([
                        "lambda",
                        "build",
                        "--release",
                        "-p",
                        package,
                        "--bin",
                        binary,
                    ])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .status()
                    .is_ok_and(|s| s.success());
            let path = target.join("lambda").join(binary).join("bootstrap");
            let bytes = if built {
                std::fs::metadata(&path).ok().map(|m| m.len())
            } else {
                None
            };
            let note = match bytes {
                Some(_) => StdCommand::new("file")
                    .arg(&path)
                    .output()
                    .map(|o| {
                        let text = String::from_utf8_lossy(&o.stdout);
                        if text.contains("not stripped") {
                            "not stripped".to_owned()
                        } else if text.contains("stripped") {
                            "stripped".to_owned()
                        } else {
                            String::new()
                        }
                    })
                    .unwrap_or_default(),
                None if options.cargo_lambda => "cargo lambda build failed".to_owned(),
                None => "not built (--smoke or --no-cargo-lambda)".to_owned(),
            };
            Size {
                binary,
                label,
                bytes,
                note,
            }
        })
        .collect()
}
