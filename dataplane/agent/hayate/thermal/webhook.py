"""Alerts to an operator's webhook: one JSON POST per level change, with a timeout; failures are reported."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping

from hayate.thermal.events import SYSLOG_IDENTIFIER, Alert


def payload(alert: Alert, host: str) -> dict[str, object]:
    t = alert.transition
    return {
        "source": SYSLOG_IDENTIFIER,
        "host": host,
        "sensor": alert.sample.sensor,
        "port": alert.sample.port,
        "kind": alert.sample.kind,
        "level": t.level.name.lower(),
        "previous": t.previous.name.lower(),
        "recovered": alert.recovered,
        "temperature_c": round(t.temperature_c, 2),
        "threshold_c": round(alert.threshold_c, 2),
        "limit_c": round(t.limits.critical_c, 2),
        "limit_origin": t.limits.origin,
        "message": alert.message(),
    }


class WebhookSink:
    def __init__(self, url: str, timeout_s: float = 5.0, headers: Mapping[str, str] | None = None) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})
        self.failures: list[str] = []

    def alert(self, alert: Alert) -> None:
        body = json.dumps(payload(alert, socket.gethostname())).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": SYSLOG_IDENTIFIER, **self.headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            self.failures.append(f"webhook {self.url}: {exc}")
