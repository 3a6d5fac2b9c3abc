"""The FPM source: routes from FRR's zebra (dplane_fpm_nl) reach the FIB through FPM, not netlink: staticd's
routes, and a BGP peer's in another namespace. Also the frame splitter on hand-made bytes."""

from __future__ import annotations

import re
import struct
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from frrutil import Frr, available, bgp_conf
from hayate.agent.fpm import FpmError, split_frames

from .lab import TAPS, Lab
from .nsutil import in_netns, ip, namespace

P0, P1 = TAPS


def test_split_frames_reads_complete_frames_and_keeps_the_rest() -> None:
    one = struct.pack("!BBH", 1, 1, 4 + 3) + b"abc"
    two = struct.pack("!BBH", 1, 1, 4 + 5) + b"defgh"
    frames, used = split_frames(bytearray(one + two[:6]))
    assert frames == [(4, 3)] and used == len(one)
    frames, used = split_frames(bytearray(one + two))
    assert frames == [(4, 3), (len(one) + 4, 5)] and used == len(one) + len(two)


def test_split_frames_rejects_a_bad_version() -> None:
    with pytest.raises(FpmError, match="version 2"):
        split_frames(bytearray(struct.pack("!BBH", 2, 1, 8) + b"abcd"))


STATIC = "\n".join(
    [
        "ip route 198.51.100.0/24 10.0.0.2",
        "ip route 203.0.113.0/24 blackhole",
        "ipv6 route 2001:db8:50::/48 2001:db8::2",
        "",
    ]
)


def zebra_conf(port: int) -> str:
    return f"hostname r\nfpm address 127.0.0.1 port {port}\n"


def fpm_port(lab: Lab) -> int:
    return 30000 + int(lab.token, 16) % 20000


def wait_fib(lab: Lab, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate(lab.forwarder_fib()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{lab.agent_log()}")
        time.sleep(0.3)


@pytest.fixture
def frr_router(lab: Lab) -> Iterator[tuple[Lab, Frr, Frr]]:
    if not available("zebra", "staticd", "bgpd"):
        pytest.skip("FRR (zebra, staticd, bgpd, vtysh) is not installed")
    port = fpm_port(lab)
    lab.write_config(source="fpm", fpm={"port": port})
    lab.start_forwarder()
    ns = lab.ns
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", P0)
    ip(ns, "addr", "add", "2001:db8::1/64", "dev", P0, "nodad")
    ip(ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    with namespace(f"hyag-{lab.token}-peer") as peer_ns:
        ip(ns, "link", "add", "hyagb0", "type", "veth", "peer", "name", "hyagb1", "netns", peer_ns)
        ip(ns, "addr", "add", "10.99.0.1/30", "dev", "hyagb0")
        ip(ns, "link", "set", "hyagb0", "up")
        ip(peer_ns, "addr", "add", "10.99.0.2/30", "dev", "hyagb1")
        ip(peer_ns, "link", "set", "hyagb1", "up")
        router = Frr(ns)
        peer = Frr(peer_ns)
        try:
            lab.start_agent()
            lab.wait_ready()
            router.start("zebra", zebra_conf(port), "-M", "dplane_fpm_nl")
            router.start("staticd", STATIC)
            router.start("bgpd", bgp_conf(65001, "10.99.0.1", "10.99.0.2", 65002, [], keepalive=1, hold=3))
            networks = ["100.70.0.0/16", "100.71.0.0/16"]
            peer.start(
                "bgpd", bgp_conf(65002, "10.99.0.2", "10.99.0.1", 65001, networks, keepalive=1, hold=3), "-Z"
            )
            yield lab, router, peer
        finally:
            peer.remove()
            router.remove()


def test_routes_from_staticd_and_a_bgp_peer_arrive_through_fpm(
    frr_router: tuple[Lab, Frr, Frr],
) -> None:
    lab, router, _peer = frr_router
    deadline = time.monotonic() + 60
    while "100.71.0.0/16" not in lab.forwarder_fib():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"BGP route never reached the FIB:\n{router.vtysh('show ip bgp summary')}\n"
                f"{router.logs()}\n{lab.agent_log()}"
            )
        time.sleep(0.5)
    fib = lab.wait_synced(timeout=30, what="with zebra streaming over FPM")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "02:00:00:00:00:02")
    assert fib["203.0.113.0/24"] == ("blackhole",)
    assert fib["100.70.0.0/16"] == ("punt",)  # learnt over hyagb0, which is not a forwarder port
    assert "2001:db8:50::/48" in fib
    assert "FPM: zebra connected" in lab.agent_log()

    def scrape() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{lab.metrics_port}/metrics", timeout=5) as r:
            return str(r.read().decode())

    text = in_netns(lab.ns, scrape)
    # in FPM mode the kernel source takes only connected routes: protocol bgp can only have come over FPM
    assert re.search(r'hayate_agent_routes\{family="ipv4",protocol="bgp"\} 2\.0', text), text
    # a withdrawn static route goes through FPM too
    router.vtysh("configure terminal\nno ip route 198.51.100.0/24 10.0.0.2")
    wait_fib(lab, lambda f: "198.51.100.0/24" not in f, "the withdrawal to arrive over FPM", timeout=30)
    lab.wait_synced(timeout=30, what="after a static route was withdrawn")


def test_zebra_restart_keeps_the_fib_then_sweeps_what_it_did_not_resend(
    frr_router: tuple[Lab, Frr, Frr],
) -> None:
    lab, router, _peer = frr_router
    wait_fib(lab, lambda f: "100.71.0.0/16" in f and "198.51.100.0/24" in f, "the first table from zebra")
    before = lab.forwarder_fib()
    router.kill("zebra")  # first: zebra alive would withdraw the routes of a staticd that went away
    router.kill("staticd")
    time.sleep(1)
    assert lab.forwarder_fib() == before, "the FIB changed while zebra was gone"
    router.start("zebra", zebra_conf(fpm_port(lab)), "-M", "dplane_fpm_nl")
    router.start("staticd", "ip route 203.0.113.0/24 blackhole\n")  # 198.51.100.0/24 is gone from the config
    wait_fib(lab, lambda f: "198.51.100.0/24" not in f, "the sweep of the route zebra did not resend")
    fib = lab.wait_synced(timeout=30, what="after zebra restarted")
    assert fib["203.0.113.0/24"] == ("blackhole",)
    log = (lab.workdir / f"agent{lab.agent_starts}.log").read_text()
    settled = re.findall(r"initial table from zebra settled: \d+ routes, (\d+) stale removed", log)
    assert settled and int(settled[-1]) >= 1, log  # the reconnection swept what zebra did not resend
