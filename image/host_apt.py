#!/usr/bin/env python3
"""Find the package mirror and proxy of the build host's own apt configuration for a given suite.

The image build defaults its mirror to what the build host already uses, so that no mirror host is written
into the project. apt itself answers (``apt-get indextargets``, ``apt-config``), so every sources format
(one-line and deb822), every sources.list.d file and every proxy setting are read exactly as apt reads them.

Prints one JSON object: {"suite", "mirror", "source", "http_proxy", "https_proxy"}; exits 1 with a message
naming the inventory variable to set when the host has no entry for the suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass

# Fields asked of `apt-get indextargets`; one target per line, fields separated by a tab.
_FORMAT = "$(TARGET_OF)\t$(RELEASE)\t$(REPO_URI)\t$(SOURCESENTRY)"


@dataclass(frozen=True)
class AptTarget:
    """One index target of the host's apt configuration (a `deb` line for one suite)."""

    target_of: str
    release: str
    repo_uri: str
    sources_entry: str


def parse_indextargets(text: str) -> list[AptTarget]:
    """Parse the tab-separated output of `apt-get indextargets --format _FORMAT`."""
    targets = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 4:
            continue
        targets.append(AptTarget(*fields))
    return targets


def mirror_for_suite(targets: list[AptTarget], suite: str) -> AptTarget | None:
    """The first binary (`deb`) source that serves exactly `suite` (not -updates or -security)."""
    for target in targets:
        if target.target_of == "deb" and target.release == suite:
            return target
    return None


def apt_config_value(key: str) -> str:
    """A value of the host's apt configuration ('' when unset)."""
    proc = subprocess.run(["apt-config", "shell", "VALUE", key], capture_output=True, text=True, check=False)
    # Output is `VALUE='...'` when set, nothing when unset.
    out = proc.stdout.strip()
    if not out.startswith("VALUE="):
        return ""
    return out[len("VALUE=") :].strip("'\"")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", help="the suite to build, e.g. bookworm or noble")
    args = parser.parse_args(argv)
    proc = subprocess.run(
        ["apt-get", "indextargets", "--format", _FORMAT], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        print(f"apt-get indextargets failed: {proc.stderr.strip()}; set image_mirror", file=sys.stderr)
        return 1
    found = mirror_for_suite(parse_indextargets(proc.stdout), args.suite)
    if found is None:
        print(
            f"the build host's apt sources have no entry for suite {args.suite!r}: "
            f"set image_mirror to a mirror of that distribution's archive",
            file=sys.stderr,
        )
        return 1
    result = {
        "suite": args.suite,
        "mirror": found.repo_uri.rstrip("/"),
        "source": found.sources_entry,
        "http_proxy": apt_config_value("Acquire::http::Proxy"),
        "https_proxy": apt_config_value("Acquire::https::Proxy"),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
