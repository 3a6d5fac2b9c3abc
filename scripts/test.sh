#!/usr/bin/env bash
# The test command of README.md: builds the dataplane (plain and sanitizer builds), runs the C unit tests,
# the linters and the pytest suites. Every fixture creates and removes its own namespaces and processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build -Dmarch=native
scripts/build.sh build-asan -Dmarch=native -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
echo "== C unit tests (build)";      meson test -C build --print-errorlogs --num-processes 2
echo "== C unit tests (ASan/UBSan)"; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2
echo "== lint";                      scripts/lint.sh
echo "== pytest"
export HAYATE_BUILD=$PWD/build HAYATE_BUILD_ASAN=$PWD/build-asan
exec .venv/bin/pytest -ra tests/
