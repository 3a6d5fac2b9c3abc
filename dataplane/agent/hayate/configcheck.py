"""What the configuration readers (the agent's hayate.json, the thermal monitor's thermal.json) share: the
error they raise, reading the file, and the type checks of a field. Each reader words its own messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeGuard


class ConfigError(ValueError):
    """A bad configuration file or value; the message names the file or the field."""


def read_json(path: str | Path) -> Any:
    """The JSON document in `path`; ConfigError naming the file where it cannot be read or parsed."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not JSON: {exc}") from None


def is_int_in(value: Any, lo: int, hi: int) -> TypeGuard[int]:
    """An integer lo..hi; JSON true and false are not integers here, though Python counts them as ints."""
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def is_number_in(value: Any, lo: float, hi: float) -> TypeGuard[int | float]:
    """An integer or a float lo..hi, booleans excluded."""
    return isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi
