"""The alternative FIB backend (DPDK rte_fib/rte_fib6, `fib.backend: rte_fib`) forwards the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import Lab, lab, nsexec


@pytest.fixture(scope="module")
def rte_fib_router(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(tmp_path_factory.mktemp("hyfw-rtefib"), fwd_binary, fib_backend="rte_fib") as the_lab:
        yield the_lab


@pytest.mark.parametrize("target", ["10.2.0.2", "2001:db8:2::2"])
def test_rte_fib_backend_forwards_ipv4_and_ipv6(rte_fib_router: Lab, target: str) -> None:
    with rte_fib_router.client() as c:
        assert c.hello().backend == "rte_fib"
    before = rte_fib_router.stats()
    out = nsexec(
        rte_fib_router.ns("a"), "ping", "-c", "3", "-i", "0.2", "-W", "2", target, check=False
    ).stdout
    after = rte_fib_router.stats()
    assert " 3 received" in out, out
    key = "fwd6" if ":" in target else "fwd4"
    assert after[key] - before[key] >= 6
