//! The `lambda-kit` command; the work is in the `lambda_kit_cli` library.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use lambda_kit_cli::{Outcome, Report, TemplateOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// lambda-kit's command-line tool.
#[derive(Parser)]
#[command(name = "lambda-kit", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes or updates template.yaml (AWS SAM) from the workspace's
    /// Lambda bootstraps.
    ///
    /// Builds every bin target of the workspace members that depend on
    /// lambda-kit (minus `[workspace.metadata.lambda-kit] exclude`) for the
    /// host, runs each with LAMBDA_KIT_DESCRIBE=1 in a cleared environment
    /// (PATH, HOME, TMPDIR, LANG, RUST_BACKTRACE only) and merges what they
    /// describe into the template. Exit status: 0 written or up to date, 1 stale (--check),
    /// 2 error.
    #[command(after_long_help = concat!("What lambda-kit owns in the template:\n\n", include_str!("ownership.md")))]
    Template {
        /// Write nothing: print a unified diff and exit 1 when the template
        /// is not up to date (for CI).
        #[arg(long)]
        check: bool,
        /// The workspace's Cargo.toml (default: found from the current
        /// directory, as cargo does).
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// The template to write (default: template.yaml at the workspace
        /// root).
        #[arg(long, value_name = "PATH")]
        template: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let Command::Template {
        check,
        manifest_path,
        template,
    } = Cli::parse().command;
    let options = TemplateOptions {
        manifest_path,
        template,
        check,
    };
    let outcome = lambda_kit_cli::template(&options).map(|Report { outcome, notices }| {
        for notice in notices {
            eprintln!("note: {notice}");
        }
        outcome
    });
    match outcome {
        Ok(Outcome::UpToDate(path)) => {
            eprintln!("{} is up to date", path.display());
            ExitCode::SUCCESS
        }
        Ok(Outcome::Written(path)) => {
            eprintln!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Ok(Outcome::Stale { path, diff }) => {
            print!("{diff}");
            eprintln!(
                "{} is not up to date; run `lambda-kit template` to update it",
                path.display()
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
