"""The host clock live sources run on: real time, or an emulated world's faster time."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class HostClock(Protocol):
    """A monotonic clock in nanoseconds and a sleep on the same clock."""

    def clock_ns(self) -> int:
        """Monotonic time in nanoseconds."""
        ...

    async def sleep(self, duration_s: float) -> None:
        """Sleep ``duration_s`` seconds of this clock."""
        ...


class RealClock:
    """The computer's own monotonic clock."""

    def clock_ns(self) -> int:
        """``time.monotonic_ns()``."""
        return time.monotonic_ns()

    async def sleep(self, duration_s: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(duration_s)
