#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need
# (cargo-lambda and cfn-lint from PyPI, into target/tools-venv), makes sure
# MariaDB is up, then runs every test of both tiers.
#   Tier 1 (plain `cargo test`): unit tests, trybuild suites, end-to-end
#   tests against the Runtime API emulator, database tests on the MariaDB
#   the machine runs.
#   Tier 2 (`#[ignore = "tier 2: ..."]`, run here with --include-ignored):
#   the cargo-lambda release-build and `cargo lambda watch` tests, projects
#   made from the template outside the repository, cfn-lint on the SAM
#   templates, and TLS to a MariaDB server the test starts itself.
# Arguments go to `cargo test`; those after a `--` go to the test binaries,
# after --include-ignored: `bash tests/run.sh --test e2e -- echo`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Python tools of tier 2, in a virtual environment under target/ (never
# the system's Python): cargo-lambda (with zig) builds the deployable
# bootstraps and new projects from the template; cfn-lint checks the SAM
# templates.
venv="${CARGO_TARGET_DIR:-target}/tools-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
export PATH="$(cd "$venv" && pwd)/bin:$PATH"
if ! cargo lambda --version >/dev/null 2>&1 || ! cfn-lint --version 2>/dev/null | grep -q 'cfn-lint 1\.'; then
  python -m pip install --quiet --disable-pip-version-check cargo-lambda 'cfn-lint>=1,<2'
fi
cargo lambda --version
cfn-lint --version

# MariaDB for the database tests (DATABASE_URL, default root@127.0.0.1:3306).
if [ -z "${DATABASE_URL:-}" ] && command -v mariadb-admin >/dev/null 2>&1; then
  if ! mariadb-admin --host=127.0.0.1 --user=root ping >/dev/null 2>&1; then
    echo "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 60); do
      mariadb-admin --host=127.0.0.1 --user=root ping >/dev/null 2>&1 && break
      sleep 1
    done
  fi
fi

cargo_args=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  cargo_args+=("$1")
  shift
done
if [ "$#" -gt 0 ]; then shift; fi # the `--`: the rest goes to the test binaries
cargo test --workspace --no-fail-fast ${cargo_args[@]+"${cargo_args[@]}"} -- --include-ignored "$@"
