"""The filter plugins and the topology module are plain Python files: make them importable by the tests."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "plugins" / "filter",
    ROOT / "roles" / "hayate" / "library",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
