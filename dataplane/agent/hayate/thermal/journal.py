"""Alerts to the systemd journal over its native protocol (a datagram of FIELD=value lines).

No libsystemd binding is needed: the protocol is documented (systemd.io/JOURNAL_NATIVE_PROTOCOL) and tiny.
Where no journal socket exists (containers, CI), lines go to stderr in the same words."""

from __future__ import annotations

import os
import socket
import struct
import sys
from collections.abc import Mapping

from hayate.thermal.alerts import Level
from hayate.thermal.events import (
    MESSAGE_ID_ALERT,
    MESSAGE_ID_READ_ERROR,
    MESSAGE_ID_RECOVERED,
    SYSLOG_IDENTIFIER,
    Alert,
    Sample,
)

JOURNAL_SOCKET = "/run/systemd/journal/socket"

# syslog priorities (sd-daemon.h)
PRIORITY_CRIT = 2
PRIORITY_WARNING = 4
PRIORITY_NOTICE = 5


def encode(fields: Mapping[str, str]) -> bytes:
    """Native protocol: `KEY=value\\n`; a value with a newline: `KEY\\n`, u64le length, value, `\\n`."""
    out = bytearray()
    for key, value in fields.items():
        data = value.encode()
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


class JournalSink:
    def __init__(self, socket_path: str = JOURNAL_SOCKET) -> None:
        self.socket_path = socket_path

    def send(self, fields: Mapping[str, str]) -> None:
        record = {"SYSLOG_IDENTIFIER": SYSLOG_IDENTIFIER, **fields}
        if os.path.exists(self.socket_path):
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                try:
                    sock.sendto(encode(record), self.socket_path)
                    return
                except OSError as exc:
                    print(
                        f"{SYSLOG_IDENTIFIER}: journal unreachable ({exc}), logging to stderr",
                        file=sys.stderr,
                    )
        print(f"{SYSLOG_IDENTIFIER}[{record.get('PRIORITY', '')}]: {record['MESSAGE']}", file=sys.stderr)

    def alert(self, alert: Alert) -> None:
        t = alert.transition
        if alert.recovered:
            priority, message_id = PRIORITY_NOTICE, MESSAGE_ID_RECOVERED
        else:
            priority = PRIORITY_CRIT if t.level == Level.CRITICAL else PRIORITY_WARNING
            message_id = MESSAGE_ID_ALERT
        self.send(
            {
                "MESSAGE": alert.message(),
                "MESSAGE_ID": message_id,
                "PRIORITY": str(priority),
                "HAYATE_SENSOR": alert.sample.sensor,
                "HAYATE_PORT": alert.sample.port,
                "HAYATE_LEVEL": t.level.name,
                "HAYATE_PREVIOUS_LEVEL": t.previous.name,
                "HAYATE_TEMPERATURE_C": f"{t.temperature_c:.2f}",
                "HAYATE_THRESHOLD_C": f"{alert.threshold_c:.2f}",
                "HAYATE_LIMIT_C": f"{t.limits.critical_c:.2f}",
            }
        )

    def read_error(self, sample: Sample) -> None:
        self.send(
            {
                "MESSAGE": f"{sample.port} {sample.kind} ({sample.source}): cannot read temperature: "
                f"{sample.error}",
                "MESSAGE_ID": MESSAGE_ID_READ_ERROR,
                "PRIORITY": str(PRIORITY_WARNING),
                "HAYATE_SENSOR": sample.sensor,
                "HAYATE_PORT": sample.port,
            }
        )
