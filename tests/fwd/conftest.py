"""Fixtures of the hayate-fwd system tests: one lab per module, torn down even on failure."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import build_dir

from .lab import Lab, have_root, lab, nsexec


@pytest.fixture(scope="session")
def fwd_binary() -> Path:
    binary = build_dir() / "fwd" / "hayate-fwd"
    if not binary.exists():
        pytest.skip(f"{binary} is not built (scripts/build.sh build)")
    if not have_root() or shutil.which("ip") is None:
        pytest.skip("the forwarder system tests need root and iproute2 (network namespaces)")
    return binary


@pytest.fixture(scope="session")
def sanitized_fwd_binary(fwd_binary: Path) -> Path:
    """The ASan/UBSan build of hayate-fwd where there is one (run with SANITIZER_ENV), else the plain one."""
    asan = build_dir(asan=True) / "fwd" / "hayate-fwd"
    return asan if asan.exists() else fwd_binary


@pytest.fixture(scope="module")
def router(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(tmp_path_factory.mktemp("hyfw"), fwd_binary) as the_lab:
        yield the_lab


@pytest.fixture(scope="module")
def tap_wire_router(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The lab with port p0 on a net_tap device (interface w0 in the dataplane namespace, up), a virtual
    device with what the af_packet ports lack: RX checksum offload and a link state that can go down."""
    with lab(tmp_path_factory.mktemp("hyfw"), fwd_binary, tap_wire=True) as the_lab:
        d, wire = the_lab.ns("d"), the_lab.ifname("w0")
        nsexec(d, "sysctl", "-qw", f"net.ipv6.conf.{wire}.disable_ipv6=1")
        nsexec(d, "ip", "link", "set", wire, "up")
        yield the_lab
