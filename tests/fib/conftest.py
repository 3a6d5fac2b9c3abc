"""Fixtures of the FIB tests: hayate-fib of the plain build and of the sanitizer build."""

from __future__ import annotations

import pytest
from conftest import build_dir

from .tool import HayateFib


def _hayate_fib(asan: bool) -> HayateFib:
    build = build_dir(asan)
    binary = build / "tools" / "hayate-fib"
    if not build.is_dir():
        pytest.skip(f"no build in {build}: run scripts/build.sh first")
    if not binary.is_file():
        pytest.fail(f"{binary} missing: the tools target did not build")
    return HayateFib(binary, sanitized=asan)


@pytest.fixture(scope="session")
def hayate_fib() -> HayateFib:
    """hayate-fib of the plain (release) build."""
    return _hayate_fib(asan=False)


@pytest.fixture(scope="session", params=["build", "build-asan"])
def any_hayate_fib(request: pytest.FixtureRequest) -> HayateFib:
    """hayate-fib of each build: the cheap tests run under ASan/UBSan too."""
    return _hayate_fib(asan=request.param == "build-asan")
