"""Prometheus metrics of the agent, read from its state at scrape time (no cost on the route path), plus the
forwarder's port and lcore counters from the last STATS reply the agent fetched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from hayate.agent import nlconst as nl

if TYPE_CHECKING:
    from hayate.agent.main import Agent

LAG_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class AgentCollector(Collector):
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def collect(self) -> Iterator[Metric]:
        a = self.agent
        m = a.mirror
        routes = GaugeMetricFamily(
            "hayate_agent_routes", "Routes of the source (best per prefix)", labels=["family", "protocol"]
        )
        for (family, proto), n in sorted(dict(m.route_counts).items()):
            routes.add_metric([f"ipv{family}", nl.RTPROT_NAMES.get(proto, str(proto))], n)
        yield routes
        yield GaugeMetricFamily("hayate_agent_fib_entries", "Routes installed in the forwarder", len(m.fib))
        yield GaugeMetricFamily("hayate_agent_local_addresses", "Local addresses mirrored", len(m.local))
        yield GaugeMetricFamily("hayate_agent_neighbours", "Kernel neighbours known", len(m.neighs))
        yield GaugeMetricFamily("hayate_agent_nexthops", "Forwarder next hops held", len(m.nh_content))
        yield GaugeMetricFamily(
            "hayate_agent_managed_gateways",
            "Gateways the kernel keeps resolved for the agent",
            len(a.gateways.ours),
        )
        yield GaugeMetricFamily("hayate_agent_nexthop_groups", "Forwarder groups held", len(m.group_members))
        yield CounterMetricFamily("hayate_agent_batches", "Control-socket batches sent", a.fwd.batches)
        yield CounterMetricFamily("hayate_agent_changes", "Elements applied to the forwarder", a.fwd.changes)
        yield CounterMetricFamily(
            "hayate_agent_route_events", "Route messages received from the source", a.route_events()
        )
        resyncs = CounterMetricFamily("hayate_agent_resyncs", "Full resynchronisations", labels=["cause"])
        for cause, n in sorted(dict(a.resyncs).items()):
            resyncs.add_metric([cause], n)
        yield resyncs
        yield CounterMetricFamily(
            "hayate_agent_forwarder_restarts", "Forwarder restarts seen (HELLO boot_id)", a.fwd.restarts
        )
        yield GaugeMetricFamily(
            "hayate_agent_forwarder_up", "Connected to the forwarder", int(a.fwd.connected)
        )
        yield GaugeMetricFamily("hayate_agent_ready", "Initial synchronisation done", int(a.ready))
        yield CounterMetricFamily(
            "hayate_agent_nexthop_ids_exhausted", "Targets punted for lack of next-hop ids", m.exhausted
        )
        yield from forwarder_metrics(a.last_stats)


def forwarder_metrics(stats: dict[str, Any] | None) -> Iterator[Metric]:
    if not stats:
        return
    port_metrics = {
        k: CounterMetricFamily(f"hayate_fwd_port_{k}", f"Port {k.replace('_', ' ')} (DPDK)", labels=["port"])
        for k in ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_missed", "rx_errors", "tx_errors")
    }
    admin_up = GaugeMetricFamily(
        "hayate_fwd_port_admin_up", "Port administratively up (1) or down (0), as its tap", labels=["port"]
    )
    link_up = GaugeMetricFamily("hayate_fwd_port_link_up", "Port link up (1) or down (0)", labels=["port"])
    link_changes = CounterMetricFamily(
        "hayate_fwd_port_link_changes", "Port link state changes since the forwarder started", labels=["port"]
    )
    for p in stats.get("ports") or []:
        for k, fam in port_metrics.items():
            if isinstance(p.get(k), int):
                fam.add_metric([str(p.get("name"))], p[k])
        if isinstance(p.get("admin_up"), bool):
            admin_up.add_metric([str(p.get("name"))], int(p["admin_up"]))
        link = p.get("link") or {}
        if isinstance(link.get("up"), bool) and isinstance(link.get("changes"), int):
            link_up.add_metric([str(p.get("name"))], int(link["up"]))
            link_changes.add_metric([str(p.get("name"))], link["changes"])
    yield from port_metrics.values()
    yield admin_up
    yield link_up
    yield link_changes
    busy = GaugeMetricFamily(
        "hayate_fwd_lcore_busy_ratio", "Share of recent loops that moved packets", labels=["lcore"]
    )
    lc_counters = {
        k: CounterMetricFamily(f"hayate_fwd_lcore_{k}", f"Lcore {k} packets", labels=["lcore"])
        for k in ("rx", "tx", "fwd4", "fwd6", "punted")
    }
    drops = CounterMetricFamily("hayate_fwd_drops", "Packets dropped by reason", labels=["lcore", "reason"])
    for lc in stats.get("lcores") or []:
        lid = str(lc.get("lcore"))
        if isinstance(lc.get("busy_ratio"), int | float):
            busy.add_metric([lid], float(lc["busy_ratio"]))
        for k, fam in lc_counters.items():
            if isinstance(lc.get(k), int):
                fam.add_metric([lid], lc[k])
        for reason, n in (lc.get("drops") or {}).items():
            if isinstance(n, int):
                drops.add_metric([lid, str(reason)], n)
    yield busy
    yield from lc_counters.values()
    yield drops
    if isinstance(stats.get("policed"), int):
        yield CounterMetricFamily(
            "hayate_fwd_punt_policed", "Punted packets dropped by the policers", stats["policed"]
        )


class Metrics:
    def __init__(self, agent: Agent) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(AgentCollector(agent))
        self.lag = Histogram(
            "hayate_agent_event_to_fib_seconds",
            "From reading a route change to its batch applied in the forwarder",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )

    def serve(self, listen: str, port: int) -> None:
        start_http_server(port, addr=listen, registry=self.registry)
