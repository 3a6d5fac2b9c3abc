"""The CLI tests start the real forwarder: the same fixture as the agent tests."""

from __future__ import annotations

from agent.conftest import fwd_binary

__all__ = ["fwd_binary"]
