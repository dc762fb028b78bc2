#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need
# (cargo-lambda from PyPI), makes sure MariaDB is up, then runs every test:
# unit tests, trybuild suites, end-to-end tests against the Runtime API
# emulator, database tests, the cargo-lambda release-build and
# `cargo lambda watch` tests, and cfn-lint on template.yaml (that test
# installs cfn-lint 1.x with pip when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-lambda (with zig) builds the deployable bootstraps the tests run.
scripts="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH="$scripts:$PATH"
if ! cargo lambda --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
fi
cargo lambda --version

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

cargo test --workspace --no-fail-fast "$@"
