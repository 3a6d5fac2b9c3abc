"""systemd's sd_notify protocol: one datagram to $NOTIFY_SOCKET (a path, or an abstract name after '@')."""

from __future__ import annotations

import os
import socket


def sd_notify(state: str) -> bool:
    """Sends e.g. "READY=1" or "STATUS=...". Returns False when not run by systemd (no NOTIFY_SOCKET)."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return False
    addr = "\0" + path[1:] if path.startswith("@") else path
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        s.connect(addr)
        s.sendall(state.encode())
    return True
