"""A BGP session between FRR on the router (through tap and DPDK ports) and a peer, under a punt flood."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from frrutil import Frr, available, bgp_conf, bgp_established, bgp_neighbor

from .lab import Lab, lab, nsexec, wait_for

FLOOD_SECONDS = 12  # two hold times (6 s) of flood
NORMAL_PUNT_PPS = 500


@pytest.fixture(scope="module")
def bgp_lab(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Frr, Frr]]:
    if not available("zebra", "bgpd"):
        pytest.skip("FRR (zebra, bgpd, vtysh) is not installed")
    workdir = tmp_path_factory.mktemp("hyfw-bgp")
    # A low ordinary punt rate, so the flood below is policed hard; protocol packets keep their own bucket.
    with lab(workdir, fwd_binary, rate_pps=NORMAL_PUNT_PPS, burst=100) as the_lab:
        router = Frr(the_lab.ns("r"))
        peer = Frr(the_lab.ns("b"))
        try:
            for frr, conf in (
                (router, bgp_conf(65001, "10.2.0.1", "10.2.0.2", 65002, [])),
                (peer, bgp_conf(65002, "10.2.0.2", "10.2.0.1", 65001, ["198.51.100.0/24"])),
            ):
                frr.start("zebra", "hostname zebra\n")
                frr.start("bgpd", conf, "-p", "179")
            yield the_lab, router, peer
        finally:
            router.remove()
            peer.remove()


def test_bgp_session_comes_up_through_tap_and_dataplane(bgp_lab: tuple[Lab, Frr, Frr]) -> None:
    the_lab, router, _ = bgp_lab
    wait_for(lambda: bgp_established(router, "10.2.0.2"), 60, "BGP Established", interval=0.5)
    # The peer's prefix reached the router's kernel through zebra: the agent would mirror it from there.
    wait_for(
        lambda: "198.51.100.0/24" in nsexec(the_lab.ns("r"), "ip", "route").stdout, 20, "route in kernel"
    )
    punts = the_lab.stats()["ports"][1]["punt"]["policer"]["priority"]
    assert punts["passed"] > 0  # BGP went through the priority class


def test_bgp_session_survives_a_punt_flood_at_the_router_address(bgp_lab: tuple[Lab, Frr, Frr]) -> None:
    the_lab, router, _ = bgp_lab
    wait_for(lambda: bgp_established(router, "10.2.0.2"), 60, "BGP Established", interval=0.5)
    drops_before = bgp_neighbor(router, "10.2.0.2").get("connectionsDropped", 0)
    before = the_lab.stats()["ports"][1]["punt"]["policer"]
    # UDP at the very address BGP uses, from the peer's side: ordinary punts on the same port as BGP.
    flood = (
        "import socket, time\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"end = time.monotonic() + {FLOOD_SECONDS}\n"
        "data = b'x' * 64\n"
        "while time.monotonic() < end:\n"
        "    for _ in range(1000):\n"
        "        s.sendto(data, ('10.2.0.1', 5000))\n"
    )
    proc = subprocess.Popen(["ip", "netns", "exec", the_lab.ns("b"), sys.executable, "-c", flood])
    try:
        states = []
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            states.append(bgp_established(router, "10.2.0.2"))
            time.sleep(1)
        proc.wait(timeout=FLOOD_SECONDS + 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = the_lab.stats()["ports"][1]["punt"]["policer"]
    assert all(states), states
    assert bgp_established(router, "10.2.0.2")
    assert bgp_neighbor(router, "10.2.0.2").get("connectionsDropped", 0) == drops_before
    assert after["normal"]["dropped"] - before["normal"]["dropped"] > 0  # the flood was policed...
    assert after["priority"]["dropped"] == before["priority"]["dropped"]  # ...and BGP was not
