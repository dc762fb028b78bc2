//! The process part: finding the workspace's bootstraps with `cargo
//! metadata`, building them, and asking each for its description.

use crate::describe::describe_bootstrap;
use crate::template::Bootstrap;
use crate::Error;
use cargo_metadata::{DependencyKind, Message, Metadata, MetadataCommand, Package, TargetKind};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long a bootstrap may take to describe itself before it is killed.
const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The workspace's metadata (`cargo metadata --no-deps`).
pub(crate) fn metadata(manifest_path: Option<&Path>) -> Result<Metadata, Error> {
    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    command
        .exec()
        .map_err(|e| Error::new(format!("cargo metadata failed: {e}")))
}

/// A bin target to describe: its package and name.
struct Bin<'a> {
    package: &'a Package,
    name: String,
}

/// The workspace members that are Lambda bootstraps: bin targets of
/// packages depending on `lambda-kit`, minus the excluded packages.
fn bootstrap_bins(metadata: &Metadata) -> Result<Vec<Bin<'_>>, Error> {
    let members = metadata.workspace_packages();
    let exclude = excluded(metadata)?;
    for name in &exclude {
        if !members.iter().any(|p| p.name.as_str() == name) {
            return Err(Error::new(format!(
                "[workspace.metadata.lambda-kit] exclude names `{name}`, which is not a package \
                 of the workspace"
            )));
        }
    }
    let mut bins = Vec::new();
    for package in members {
        if exclude.iter().any(|e| e == package.name.as_str()) {
            continue;
        }
        let uses_kit = package
            .dependencies
            .iter()
            .any(|d| d.name == "lambda-kit" && d.kind == DependencyKind::Normal);
        if !uses_kit {
            continue;
        }
        for target in &package.targets {
            if target.kind.contains(&TargetKind::Bin) {
                bins.push(Bin {
                    package,
                    name: target.name.clone(),
                });
            }
        }
    }
    Ok(bins)
}

/// `[workspace.metadata.lambda-kit] exclude`.
fn excluded(metadata: &Metadata) -> Result<Vec<String>, Error> {
    let Some(exclude) = metadata
        .workspace_metadata
        .get("lambda-kit")
        .and_then(|m| m.get("exclude"))
    else {
        return Ok(Vec::new());
    };
    let bad =
        || Error::new("[workspace.metadata.lambda-kit] exclude must be a list of package names");
    exclude
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

/// The host's target triple: the `host:` line of `rustc -vV` (`$RUSTC`
/// when set).
fn host_triple() -> Result<String, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .arg("-vV")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::new(format!("could not run `rustc -vV`: {e}")))?;
    host_of(&String::from_utf8_lossy(&output.stdout))
        .filter(|_| output.status.success())
        .ok_or_else(|| Error::new("`rustc -vV` printed no `host:` line"))
}

fn host_of(rustc_vv: &str) -> Option<String> {
    rustc_vv
        .lines()
        .find_map(|l| l.strip_prefix("host:"))
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// Whether cargo is configured to build for a target of its own choosing
/// (`CARGO_BUILD_TARGET`, or `build.target` in a `.cargo/config.toml` of
/// the workspace, its parents or `$CARGO_HOME`), as cargo-lambda projects
/// do: the bootstraps must then be built for the host to run here.
fn redirected_target(workspace_root: &Path) -> bool {
    if std::env::var_os("CARGO_BUILD_TARGET").is_some() {
        return true;
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let dirs = workspace_root
        .ancestors()
        .map(|dir| dir.join(".cargo"))
        .chain(cargo_home);
    dirs.flat_map(|dir| [dir.join("config.toml"), dir.join("config")])
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .any(|text| sets_build_target(&text))
}

/// `target = ...` in a `[build]` table, or `build.target = ...`.
fn sets_build_target(config: &str) -> bool {
    let mut in_build = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_build = line.trim_start_matches('[').trim_end_matches(']').trim() == "build";
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        if line.contains('=') && ((in_build && key == "target") || key == "build.target") {
            return true;
        }
    }
    false
}

/// Builds the packages' bins (dev profile), for the host when the
/// configuration would build for another target (see
/// [`redirected_target`]), and
/// returns each bin's executable, keyed by package id and bin name. If
/// cargo's output cannot be read, cargo is killed and waited for.
fn build(
    cargo: &OsStr,
    manifest_path: Option<&Path>,
    packages: &[&str],
    target: Option<&str>,
    locked: bool,
) -> Result<BTreeMap<(String, String), PathBuf>, Error> {
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--message-format=json-render-diagnostics",
        "--bins",
    ]);
    if let Some(target) = target {
        command.args(["--target", target]);
    }
    if locked {
        command.arg("--locked");
    }
    if let Some(path) = manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    for p in packages {
        command.args(["-p", p]);
    }
    // Diagnostics and progress go to the user's terminal; stdout is JSON.
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| Error::new(format!("could not run cargo build: {e}")))?;
    let stdout = child.stdout.take().expect("piped");
    let mut executables = BTreeMap::new();
    for message in Message::parse_stream(std::io::BufReader::new(stdout)) {
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new(format!("reading cargo build's output: {e}")));
            }
        };
        if let Message::CompilerArtifact(artifact) = message {
            if let Some(exe) = artifact.executable {
                if artifact.target.kind.contains(&TargetKind::Bin) {
                    executables.insert(
                        (
                            artifact.package_id.repr.clone(),
                            artifact.target.name.clone(),
                        ),
                        exe.into_std_path_buf(),
                    );
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::new(format!("waiting for cargo build: {e}")))?;
    if !status.success() {
        return Err(Error::new(format!(
            "cargo build of the bootstraps failed ({status})"
        )));
    }
    Ok(executables)
}

/// Finds, builds and describes the workspace's bootstraps. Returns them in
/// the order `cargo metadata` lists them, with `CodeUri`s relative to
/// `template_dir` (the template's directory, as SAM resolves them).
pub(crate) fn bootstraps(
    manifest_path: Option<&Path>,
    metadata: &Metadata,
    template_dir: &Path,
    locked: bool,
) -> Result<Vec<Bootstrap>, Error> {
    let bins = bootstrap_bins(metadata)?;
    if bins.is_empty() {
        return Ok(Vec::new());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut packages: Vec<&str> = bins.iter().map(|b| b.package.name.as_str()).collect();
    packages.dedup();
    // Only when the configuration builds for another target: `--target`
    // moves the build into a directory of its own, rebuilding everything.
    let target = if redirected_target(metadata.workspace_root.as_std_path()) {
        Some(host_triple()?)
    } else {
        None
    };
    let executables = build(&cargo, manifest_path, &packages, target.as_deref(), locked)?;
    let root = template_dir;
    let results: Vec<Result<Bootstrap, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bins
            .iter()
            .map(|bin| {
                let exe = executables.get(&(bin.package.id.repr.clone(), bin.name.clone()));
                scope.spawn(move || describe_one(root, bin, exe))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("describing it panicked".into()))
            })
            .collect()
    });
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(b) => out.push(b),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::new(errors.join("\n")))
    }
}

fn describe_one(root: &Path, bin: &Bin<'_>, exe: Option<&PathBuf>) -> Result<Bootstrap, String> {
    let which = format!("binary `{}` (package `{}`)", bin.name, bin.package.name);
    let Some(exe) = exe else {
        return Err(format!(
            "{which}: cargo build produced no executable for it (`required-features`?)"
        ));
    };
    let description = describe_bootstrap(exe, DESCRIBE_TIMEOUT)
        .map_err(|e| format!("{which} ({}): {e}", exe.display()))?;
    let dir = bin
        .package
        .manifest_path
        .parent()
        .map(|p| p.as_std_path().to_path_buf())
        .unwrap_or_default();
    Ok(Bootstrap {
        package: bin.package.name.to_string(),
        binary: bin.name.clone(),
        code_uri: code_uri(root, &dir),
        description,
    })
}

/// `dir` relative to `base` (both absolute), `/`-separated, with `..` to
/// climb out of `base`; `.` for `base` itself. Both are canonicalized when
/// they exist, so symbolic links do not skew the count.
fn code_uri(base: &Path, dir: &Path) -> String {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (base, dir) = (canonical(base), canonical(dir));
    let base: Vec<Component> = base.components().collect();
    let dir: Vec<Component> = dir.components().collect();
    let common = base.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    let parts: Vec<String> = std::iter::repeat_n("..".to_string(), base.len() - common)
        .chain(
            dir[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_uris_are_relative_with_slashes() {
        let root = Path::new("/w");
        assert_eq!(
            code_uri(root, Path::new("/w/examples/items")),
            "examples/items"
        );
        assert_eq!(code_uri(root, Path::new("/w")), ".");
    }

    /// SAM resolves `CodeUri` against the template's directory.
    #[test]
    fn code_uris_climb_out_of_the_template_directory() {
        let deploy = Path::new("/w/deploy");
        assert_eq!(
            code_uri(deploy, Path::new("/w/examples/items")),
            "../examples/items"
        );
        assert_eq!(code_uri(deploy, Path::new("/w")), "..");
        assert_eq!(code_uri(Path::new("/w/a/b"), Path::new("/w/c")), "../../c");
    }

    #[test]
    fn a_configured_build_target_is_seen() {
        assert!(sets_build_target(
            "[build]\ntarget = \"aarch64-unknown-linux-gnu\"\n"
        ));
        assert!(sets_build_target("build.target = \"x\"\n"));
        assert!(!sets_build_target(
            "[build]\nrustflags = []\n[target.x86_64]\nlinker = \"cc\"\n"
        ));
        assert!(!sets_build_target("[alias]\ntarget = \"x\"\n"));
    }

    #[test]
    fn host_triple_is_read_from_rustc() {
        assert_eq!(
            host_of(
                "rustc 1.85.0\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.85.0\n"
            ),
            Some("x86_64-unknown-linux-gnu".into())
        );
        assert_eq!(host_of("rustc 1.85.0\n"), None);
        assert!(host_triple().unwrap().contains('-'));
    }

    /// When cargo's output cannot be read, cargo does not outlive the error.
    #[test]
    fn unreadable_cargo_output_kills_cargo() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let cargo = dir.path().join("cargo");
        std::fs::write(
            &cargo,
            format!(
                "#!/bin/sh\necho $$ > {}\nprintf '\\377\\n'\nexec sleep 30\n",
                pid_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        let err = build(cargo.as_os_str(), None, &["x"], Some("host"), false).unwrap_err();
        assert!(
            err.to_string().contains("reading cargo build's output"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(
            !Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "cargo ({}) still runs",
            pid.trim()
        );
    }

    /// This repository: the examples are bootstraps, the test and bench
    /// packages are excluded, the library crates have no bins.
    #[test]
    fn finds_this_workspaces_bootstraps() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let metadata = metadata(Some(&manifest)).unwrap();
        let bins = bootstrap_bins(&metadata).unwrap();
        let names: Vec<&str> = bins.iter().map(|b| b.name.as_str()).collect();
        assert!(names.contains(&"hello"), "{names:?}");
        assert!(!names.contains(&"kit_fixture"), "{names:?}");
        assert!(!names.contains(&"lambda-kit"), "{names:?}");
        assert!(bins
            .iter()
            .all(|b| !b.package.name.starts_with("lambda-kit")));
    }
}
