"""Running hayate-fib from a build directory: routes in a file, addresses on standard input."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .lpm_reference import format_addr

# Enough for the full tables on the rte_fib backend; --no-huge memory is only touched as used.
TIMEOUT_S = 600


@dataclass(frozen=True)
class HayateFib:
    binary: Path
    sanitized: bool

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.sanitized:
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
            env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        return env

    def run(self, args: Sequence[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=self.env(),
            check=False,
        )

    def lookup(self, routes: Path, backend: str, queries: Sequence[tuple[int, int]]) -> list[int]:
        """Next hops of (family, address) queries, in order; fails the test on any error output."""
        stdin = "".join(format_addr(family, value) + "\n" for family, value in queries)
        done = self.run(["--backend", backend, str(routes)], stdin)
        assert done.returncode == 0, f"hayate-fib failed ({done.returncode}): {done.stderr}"
        assert done.stderr == "", f"hayate-fib wrote to stderr: {done.stderr}"
        answers = [int(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(queries), f"{len(answers)} answers for {len(queries)} addresses"
        return answers

    def lookup_with_stats(
        self, routes: Path, backend: str, queries: Sequence[tuple[int, int]]
    ) -> tuple[list[int], dict[str, Any]]:
        """Answers and, from the same run, the statistics (which go to stderr beside answers)."""
        stdin = "".join(format_addr(family, value) + "\n" for family, value in queries)
        done = self.run(["--backend", backend, "--stats", "--json", "--lookup", "-", str(routes)], stdin)
        assert done.returncode == 0, f"hayate-fib failed ({done.returncode}): {done.stderr}"
        answers = [int(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(queries), f"{len(answers)} answers for {len(queries)} addresses"
        stats: dict[str, Any] = json.loads(done.stderr)
        return answers, stats

    def stats(self, routes: Path, backend: str) -> dict[str, Any]:
        done = self.run(["--backend", backend, "--stats", "--json", str(routes)])
        assert done.returncode == 0, f"hayate-fib --stats failed ({done.returncode}): {done.stderr}"
        result: dict[str, Any] = json.loads(done.stdout)
        return result


@dataclass(frozen=True)
class FibUnderTest:
    """One build's hayate-fib with one backend."""

    tool: HayateFib
    backend: str

    def lookup(self, routes: Path, queries: Sequence[tuple[int, int]]) -> list[int]:
        return self.tool.lookup(routes, self.backend, queries)

    def stats(self, routes: Path) -> dict[str, Any]:
        return self.tool.stats(routes, self.backend)

    def lookup_with_stats(
        self, routes: Path, queries: Sequence[tuple[int, int]]
    ) -> tuple[list[int], dict[str, Any]]:
        return self.tool.lookup_with_stats(routes, self.backend, queries)

    def run(self, args: Sequence[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        return self.tool.run(["--backend", self.backend, *args], stdin)
