#!/usr/bin/env bash
# Linters: ruff and mypy on the Python code.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check dataplane/agent tests
.venv/bin/ruff format --check dataplane/agent tests
.venv/bin/mypy --config-file dataplane/agent/pyproject.toml dataplane/agent/hayate
