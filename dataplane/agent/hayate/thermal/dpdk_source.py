"""Module EEPROM of DPDK-owned ports, through the forwarder's control socket (MODULE_EEPROM, PROTOCOL.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hayate.thermal.memory import FlatImage, ModuleType
from hayate.thermal.module import EepromError


@dataclass(frozen=True)
class DpdkPorts:
    socket: str
    names: list[str]  # port id = index (docs/config.md)


def read_forwarder_config(path: str | Path) -> DpdkPorts:
    """Control socket path and port names from the forwarder's hayate.json."""
    try:
        doc = json.loads(Path(path).read_text())
        socket = doc.get("control", {}).get("socket", "/run/hayate/fwd.sock")
        names = [str(port["name"]) for port in doc["ports"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EepromError(f"{path}: cannot read the control socket and ports: {exc}") from exc
    return DpdkPorts(str(socket), names)


def flat_image(mtype: int, data: bytes, port: str) -> FlatImage:
    try:
        layout = ModuleType(mtype)
    except ValueError as exc:
        raise EepromError(f"{port}: forwarder returned unknown module EEPROM type {mtype}") from exc
    return FlatImage(data, layout)


def module_images(
    ports: DpdkPorts, connect: Callable[[str], Any] | None = None
) -> dict[str, FlatImage | str]:
    """Each port's EEPROM image, or the reason it has none (forwarder down, -ENOTSUP, ...)."""
    if connect is None:
        from hayate.ctl import ControlClient

        def connect(path: str) -> Any:
            return ControlClient(path, timeout=10.0)

    result: dict[str, FlatImage | str] = {}
    try:
        client = connect(ports.socket)
    except OSError as exc:
        return {name: f"forwarder control socket {ports.socket}: {exc}" for name in ports.names}
    with client:
        for port_id, name in enumerate(ports.names):
            try:
                reply = client.module_eeprom(port_id)
                result[name] = flat_image(reply.type, bytes(reply.data), name)
            except EepromError as exc:
                result[name] = str(exc)
            except Exception as exc:  # ControlError (e.g. ENOTSUP: the port has no module), broken socket
                result[name] = f"MODULE_EEPROM port {port_id}: {exc}"
    return result
