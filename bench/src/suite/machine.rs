//! The machine a run measured, and how busy it was.

use std::process::Command;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub python: String,
    pub awslambdaric: String,
    pub started: String,
    pub load_before: String,
    pub load_after: String,
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_owned()
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Machine {
    pub fn describe(python: &str) -> Machine {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = info
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .unwrap_or("unknown")
            .trim()
            .to_owned();
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kib: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
                Some(format!("{:.0} GiB", kib / 1024.0 / 1024.0))
            })
            .unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory,
            kernel: output("uname", &["-srm"]),
            rustc: output("rustc", &["-V"]),
            awslambdaric: output(
                python,
                &[
                    "-c",
                    "import importlib.metadata as m; print(m.version('awslambdaric'))",
                ],
            ),
            python: output(python, &["--version"]),
            started: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            load_before: load(),
            load_after: String::new(),
        }
    }

    pub fn finish(mut self) -> Machine {
        self.load_after = load();
        self
    }
}
