"""Fixtures of the FIB tests: hayate-fib of the plain and the sanitizer build, with each backend."""

from __future__ import annotations

import pytest
from conftest import build_dir

from .tool import FibUnderTest, HayateFib


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


@pytest.fixture(params=["poptrie", "rte_fib"])
def fib(request: pytest.FixtureRequest) -> FibUnderTest:
    """Each backend in the plain build."""
    return FibUnderTest(_hayate_fib(asan=False), request.param)


# The rte_fib backend zeroes ~0.5 GB of 4 KiB pages per start: under ASan that is the slow part of the
# suite, so the sanitizer build runs the cheap tests with Poptrie (all of the tool's own code) only.
@pytest.fixture(params=["build:poptrie", "build:rte_fib", "build-asan:poptrie"])
def any_fib(request: pytest.FixtureRequest) -> FibUnderTest:
    """Each backend in the plain build, and Poptrie in the ASan/UBSan build."""
    build, backend = str(request.param).split(":")
    return FibUnderTest(_hayate_fib(asan=build == "build-asan"), backend)
