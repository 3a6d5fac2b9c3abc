#!/usr/bin/env bash
# Install everything the build and the tests need on Debian 12 (run as root). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/apt-packages.txt)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The venv uses Debian's Python (3.11 on bookworm), not a pyenv shim, so it matches a fresh machine.
if [ ! -x .venv/bin/python ] || [ requirements-dev.txt -nt .venv/.stamp ] || [ dataplane/agent/pyproject.toml -nt .venv/.stamp ]; then
	/usr/bin/python3 -m venv --system-site-packages .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements-dev.txt
	.venv/bin/pip install -q -e dataplane/agent
	touch .venv/.stamp
fi
