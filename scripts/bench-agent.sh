#!/usr/bin/env bash
# The agent benchmark (`make bench-agent`): scripts/bench-agent.sh [BUILD] [bench-agent.py options...]
# The full tables of ../shared/data in a namespace's kernel, the real forwarder (net_null ports, --no-huge),
# hayate-agent: initial sync time, a burst of 100,000 changes, resident memory, the FPM source.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}; shift || true
if [ ! -x "$build/fwd/hayate-fwd" ]; then
	echo "bench-agent: $build/fwd/hayate-fwd not built (run: scripts/build.sh $build)" >&2
	exit 1
fi
exec .venv/bin/python scripts/bench-agent.py --build "$build" --data "${HAYATE_DATA:-../shared/data}" "$@"
