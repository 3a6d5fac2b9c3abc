"""Fixtures of the agent tests: the built forwarder, and a router lab (forwarder + agent) per module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import build_dir

from .lab import Lab


@pytest.fixture(scope="session")
def fwd_binary() -> Path:
    binary = build_dir() / "fwd" / "hayate-fwd"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("the forwarder needs root and iproute2 (network namespaces)")
    if not binary.exists():
        pytest.skip(f"{binary} is not built (scripts/build.sh build)")
    return binary


@pytest.fixture(autouse=True)
def _root() -> None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("the agent tests need root and iproute2 (network namespaces, netlink)")


@pytest.fixture
def lab(fwd_binary: Path, tmp_path: Path) -> Iterator[Lab]:
    the_lab = Lab(tmp_path, fwd_binary)
    try:
        yield the_lab
    finally:
        the_lab.close()
