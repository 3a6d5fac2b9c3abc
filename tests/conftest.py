"""Shared pytest configuration: where the built dataplane and the real tables live."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def build_dir(asan: bool = False) -> Path:
    env = "HAYATE_BUILD_ASAN" if asan else "HAYATE_BUILD"
    return Path(os.environ.get(env, ROOT / ("build-asan" if asan else "build")))


def load_module(name: str, path: Path) -> ModuleType:
    """The Python file at `path` (a role's plugin or module, a benchmark or image script: none of them is in a
    package) imported as module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Internet tables of ../shared/data; tests that need them skip where the folder is absent."""
    if not (DATA / "rib4.txt.gz").exists():
        pytest.skip(f"real tables not found in {DATA}: ../shared/data is absent")
    return DATA
