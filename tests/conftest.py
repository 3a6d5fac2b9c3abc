"""Shared pytest configuration: where the built dataplane and the real tables live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def build_dir(asan: bool = False) -> Path:
    env = "HAYATE_BUILD_ASAN" if asan else "HAYATE_BUILD"
    return Path(os.environ.get(env, ROOT / ("build-asan" if asan else "build")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Internet tables of ../shared/data; tests that need them skip where the folder is absent."""
    if not (DATA / "rib4.txt.gz").exists():
        pytest.skip(f"real tables not found in {DATA}: ../shared/data is absent")
    return DATA
