"""Network namespaces and commands for the agent tests. Every name starts with ``hyag``."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def sh(*args: str, check: bool = True, timeout: float = 60, stdin: str | None = None) -> str:
    r = subprocess.run(args, check=False, capture_output=True, text=True, timeout=timeout, input=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def ip(ns: str, *args: str, check: bool = True, stdin: str | None = None) -> str:
    return sh("ip", "-n", ns, *args, check=check, stdin=stdin)


def ip_batch(ns: str, lines: list[str], force: bool = False) -> None:
    sh(
        "ip",
        "-n",
        ns,
        *(["-force"] if force else []),
        "-batch",
        "-",
        stdin="\n".join(lines) + "\n",
        timeout=300,
    )


def token() -> str:
    return secrets.token_hex(2)


@contextlib.contextmanager
def namespace(name: str) -> Iterator[str]:
    sh("ip", "netns", "add", name)
    try:
        ip(name, "link", "set", "lo", "up")
        yield name
    finally:
        sh("ip", "netns", "del", name, check=False)


def in_netns(name: str, fn: Callable[[], T]) -> T:
    """Runs fn in a thread that entered the namespace (setns changes only the calling thread)."""
    from hayate.agent.main import enter_netns

    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            enter_netns(name)
            result.append(fn())
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if error:
        raise error[0]
    return result[0]
