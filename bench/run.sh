#!/usr/bin/env bash
# The benchmark suite in one command: installs its Python packages
# (awslambdaric, pymysql, matplotlib) into a virtual environment, starts
# MariaDB if it is installed and not running, then runs the suite, which
# writes BENCHMARKS.md, bench/results/results.json and
# bench/results/benchmarks.png. Arguments go to the suite, e.g. --smoke
# (a seconds-long run that writes into a temporary directory instead).
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo-lambda (pip installs it into python's scripts directory) builds the
# deployable bootstraps whose sizes the suite reports.
scripts="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH="$scripts:$PATH"
target="${CARGO_TARGET_DIR:-target}"
venv="$target/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/python/requirements.txt
if [ -z "${DATABASE_URL:-}" ] && command -v mariadbd > /dev/null \
    && ! (exec 3<>/dev/tcp/127.0.0.1/3306) 2> /dev/null; then
    start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd)"
    sleep 2
fi
# The examples are measured as they are; the suite runs their release builds.
# One build per example, so each links only the features it uses.
for example in hello echo rds_lookup; do
  cargo build --release -p "$example"
done
# The hand-written bootstraps and the database variants are the bench's own binaries.
cargo build --release -p lambda-kit-bench --bins
cargo run --release -p lambda-kit-bench --bin suite -- --python "$(cd "$venv" && pwd)/bin/python" "$@"
