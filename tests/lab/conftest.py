"""The lab of README's first command, brought up once for these tests with a smaller table (the full table is
`make bench-lab`) and removed afterwards, also after a failure."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest

from .labnet import ROUTER_NS, playbook, sh

# Prefixes of each family that upstream1 announces in the tests (the full table: make bench-lab).
TABLE_LIMIT = int(os.environ.get("HAYATE_LAB_TABLE_LIMIT", "20000"))


@pytest.fixture(scope="session")
def lab() -> Iterator[dict[str, float]]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("the lab needs root and iproute2 (network namespaces)")
    if ROUTER_NS in sh("ip", "netns", "list").split():
        pytest.skip(
            f"a lab is already up ({ROUTER_NS}): these tests build their own; run `make lab-down` first"
        )
    started = time.monotonic()
    try:
        playbook("-e", f"lab_table_limit={TABLE_LIMIT}")
        yield {"bring_up_s": time.monotonic() - started}
    finally:
        playbook("-e", "lab_state=absent", timeout=600)
