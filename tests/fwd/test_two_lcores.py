"""Two forwarder lcores: each polls its own queues, sends on its own TX queues, and both forward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from .lab import HOST_A_MAC, PORT_MACS, Lab, lab, nsexec, send_frames, wait_for

FLOWS = 64


@pytest.fixture(scope="module")
def two_lcore_router(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(tmp_path_factory.mktemp("hyfw-2lc"), fwd_binary, forwarders=2) as the_lab:
        yield the_lab


def test_flows_spread_over_both_lcores_and_all_are_forwarded(two_lcore_router: Lab) -> None:
    router = two_lcore_router
    before = router.stats()
    assert [lc["lcore"] for lc in before["lcores"]] == [1, 2]
    # net_af_packet spreads flows over its queues by hash; the lcores own different queues.
    frames = [
        bytes(
            Ether(src=HOST_A_MAC, dst=PORT_MACS[0])
            / IP(src="10.1.0.2", dst="10.2.0.2")
            / UDP(sport=20000 + i)
        )
        for i in range(FLOWS)
    ]
    send_frames(router, "a", router.ifname("h0"), frames)
    wait_for(lambda: router.stats()["fwd4"] - before["fwd4"] >= FLOWS, 10, f"{FLOWS} packets forwarded")
    after = router.stats()
    per_lcore = [a["fwd4"] - b["fwd4"] for a, b in zip(after["lcores"], before["lcores"], strict=True)]
    assert sum(per_lcore) >= FLOWS
    assert all(n > 0 for n in per_lcore), per_lcore


def test_ping_both_ways_with_two_lcores(two_lcore_router: Lab) -> None:
    for target in ("10.2.0.2", "2001:db8:2::2", "10.1.0.1"):
        out = nsexec(
            two_lcore_router.ns("a"), "ping", "-c", "3", "-i", "0.2", "-W", "2", target, check=False
        ).stdout
        assert " 3 received" in out, out
