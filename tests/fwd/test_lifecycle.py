"""Start and stop as systemd sees them: READY=1 once forwarding, STOPPING=1 on SIGTERM, socket removed."""

from __future__ import annotations

import socket
from pathlib import Path

from .lab import lab


def test_readiness_and_stopping_are_notified_to_systemd(fwd_binary: Path, tmp_path: Path) -> None:
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(20)
        with lab(tmp_path, fwd_binary, env={"NOTIFY_SOCKET": str(notify_path)}) as the_lab:
            ready = notify.recv(4096).decode()
            assert "READY=1" in ready.splitlines()
            assert the_lab.socket.exists()  # READY comes after the control socket is listening
            assert the_lab.stop() == 0
            stopping = notify.recv(4096).decode()
            assert "STOPPING=1" in stopping.splitlines()
            assert not the_lab.socket.exists()
