"""The emulated world's time: real time times a speed, for emulated sensors, phones and the host.

With ``speed=20`` emulated devices produce samples twenty times faster than real time and
``clock_ns`` (the host clock the sources read) runs twenty times faster too, so everything
downstream sees consistent times. Emulated time advances at most ``MAX_STEP_S`` per look at the
clock, so a stalled host slows the emulated world down instead of inventing long delays.
"""

from __future__ import annotations

import asyncio
import time

MAX_STEP_S = 0.05


class EmulatedTime:
    """A clock that runs ``speed`` times faster than real time (see the module docstring).

    Parameters
    ----------
    speed : float
        How much faster than real time the emulated world runs.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_ns = self._real_ns = time.monotonic_ns()
        self._emulated_ns = 0

    def _elapsed_ns(self) -> int:
        real_ns = time.monotonic_ns()
        step_ns = min((real_ns - self._real_ns) * self.speed, MAX_STEP_S * 1e9)
        self._real_ns = real_ns
        self._emulated_ns += round(step_ns)
        return self._emulated_ns

    def clock_ns(self) -> int:
        """Host monotonic clock of the emulated world in nanoseconds (runs ``speed`` times fast)."""
        return self._origin_ns + self._elapsed_ns()

    def now_s(self) -> float:
        """Emulated seconds since this clock was created."""
        return self._elapsed_ns() * 1e-9

    async def sleep(self, duration_s: float) -> None:
        """Sleep ``duration_s`` emulated seconds."""
        end_s = self.now_s() + duration_s
        while (left_s := end_s - self.now_s()) > 0:
            await asyncio.sleep(min(left_s, MAX_STEP_S) / self.speed)
