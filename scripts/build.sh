#!/usr/bin/env bash
# Configure (once) and build the dataplane: scripts/build.sh DIR [meson -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" dataplane "$@"
else
	meson configure "$dir" "$@" >/dev/null
fi
ninja -C "$dir"
