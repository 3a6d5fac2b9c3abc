#!/usr/bin/env python3
"""Write the manifest of a built image: artefacts with their SHA-256, build inputs and package versions.

Reads the build inputs as a JSON object (--inputs) and the image's `dpkg-query -W` listing (--packages,
`name version arch` per line); hashes each artefact given with --artefact KIND=PATH. Writes the
manifest as JSON and a SHA256SUMS file (--sums) for the artefacts (`sha256sum -c` checks it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 1


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 4 MiB blocks (images are gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def parse_packages(text: str) -> list[dict[str, str]]:
    """`dpkg-query -W -f='${Package} ${Version} ${Architecture}\\n'` output, sorted by name."""
    packages = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 3 or not all(fields):
            raise ValueError(f"package listing line {number}: expected name, version, arch: {line!r}")
        packages.append({"name": fields[0], "version": fields[1], "arch": fields[2]})
    return sorted(packages, key=lambda p: p["name"])


def build_manifest(
    inputs: dict[str, Any], packages: list[dict[str, str]], artefacts: dict[str, Path]
) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs": inputs,
        "artefacts": {
            kind: {"file": path.name, "size": path.stat().st_size, "sha256": sha256_of(path)}
            for kind, path in sorted(artefacts.items())
        },
        "packages": packages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, required=True, help="JSON object of the build inputs")
    parser.add_argument("--packages", type=Path, required=True, help="dpkg-query listing")
    parser.add_argument("--artefact", action="append", default=[], metavar="KIND=PATH")
    parser.add_argument("--out", type=Path, required=True, help="manifest file to write")
    parser.add_argument("--sums", type=Path, required=True, help="SHA256SUMS file to write")
    args = parser.parse_args(argv)
    try:
        artefacts = {}
        for item in args.artefact:
            kind, sep, path = item.partition("=")
            if not sep or not kind or not path:
                raise ValueError(f"--artefact {item!r}: expected KIND=PATH")
            artefacts[kind] = Path(path)
        inputs = json.loads(args.inputs.read_text())
        if not isinstance(inputs, dict):
            raise ValueError(f"{args.inputs}: the build inputs must be a JSON object")
        manifest = build_manifest(inputs, parse_packages(args.packages.read_text()), artefacts)
    except (OSError, ValueError) as err:
        print(f"manifest: {err}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(manifest, indent=2) + "\n")
    sums = "".join(f"{a['sha256']}  {a['file']}\n" for a in manifest["artefacts"].values())
    args.sums.write_text(sums)
    return 0


if __name__ == "__main__":
    sys.exit(main())
