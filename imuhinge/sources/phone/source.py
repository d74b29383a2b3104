"""What every live phone source shares: its stream, its state for the live view, its outage rules.

A phone source has the interface the recorder expects of a source (as the BLE ``Supervisor``):
``run()`` until ``stop()``, ``ready`` once every placement streams, ``devices``, ``gaps`` and
``sample_rates_hz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from imuhinge.errors import ImuhingeError
from imuhinge.model import Gap
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.phone.stream import PhoneStream, Sink
from imuhinge.sources.timing import HostClock, RealClock

logger = logging.getLogger(__name__)

NO_GYRO_AFTER_S = 5.0


class PhoneLostError(ImuhingeError):
    """The phone stayed unreachable (or silent) longer than allowed."""


class PhoneState(StrEnum):
    """Where a phone's session is."""

    WAITING = "waiting for the phone"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass
class PhoneStatus:
    """Live status of one phone, for the terminal view."""

    placement: str
    state: PhoneState = PhoneState.WAITING
    device: str | None = None
    last_error: str | None = None
    hint: str | None = None
    """What the user does on the phone, shown while waiting for it."""

    def line(self) -> str:
        """One line for the live view."""
        what = f" ({self.device})" if self.device else ""
        why = f" - {self.last_error}" if self.last_error else ""
        todo = f": {self.hint}" if self.hint and self.state is PhoneState.WAITING else ""
        return f"{self.placement}: {self.state.value}{what}{why}{todo}"


class PhoneSource(ABC):
    """Base of the phone sources (see the module docstring).

    Parameters
    ----------
    placement : str
        Where the phone is worn.
    sink : callable
        Receives every ``SampleBlock``.
    clock : HostClock, optional
        Host clock (the emulated world's for ``--simulate`` and tests).
    on_status : callable, optional
        Called with the ``PhoneStatus`` whenever it changes.
    max_outage_s : float, optional
        Give up when the phone, once streaming, stays away this long (None: never).
    """

    def __init__(
        self,
        placement: str,
        sink: Sink,
        *,
        clock: HostClock | None = None,
        on_status: Callable[[PhoneStatus], None] | None = None,
        max_outage_s: float | None = None,
    ) -> None:
        self.placement = placement
        self.sink = sink
        self.clock = clock or RealClock()
        self.on_status = on_status
        self.max_outage_s = max_outage_s
        self.status = PhoneStatus(placement)
        self.stream = PhoneStream(placement, self._deliver)
        self.ready = asyncio.Event()
        """Set when the phone streams (its rate is known)."""
        self.t0_ns: int | None = None
        self._stop = asyncio.Event()
        self._last_data_s = 0.0

    @property
    def placements(self) -> tuple[str, ...]:
        """The placements this source records."""
        return (self.placement,)

    @property
    def devices(self) -> dict[str, str]:
        """A description of the phone per placement, for the recording metadata."""
        return {self.placement: self.status.device or "phone"}

    @property
    def gaps(self) -> list[Gap]:
        """Gaps found in the phone's samples."""
        return self.stream.gaps

    @property
    def sample_rates_hz(self) -> dict[str, float]:
        """The phone's sample rate from its timestamps, once measured."""
        rate = self.stream.clock.rate_hz
        return {} if rate is None else {self.placement: rate}

    @abstractmethod
    async def run(self) -> None:
        """Take the phone's data until ``stop()``."""

    def stop(self) -> None:
        """Stop: the source delivers what it still has and returns from ``run``."""
        self._stop.set()

    def now_s(self) -> float:
        """Seconds since the source started, on the host clock."""
        assert self.t0_ns is not None
        return (self.clock.clock_ns() - self.t0_ns) * 1e-9

    def _start_clock(self) -> None:
        self.t0_ns = self.clock.clock_ns()
        self._last_data_s = 0.0

    def _deliver(self, block: SampleBlock) -> None:
        if not self.ready.is_set():
            self.ready.set()
            self._set_state(PhoneState.STREAMING)
        self.sink(block)

    def _set_state(self, state: PhoneState, error: str | None = None, announce: bool = False) -> None:
        """Update the status; the view hears of changes (and, with ``announce``, of this one anyway)."""
        changed = announce or state is not self.status.state or error != self.status.last_error
        self.status.state, self.status.last_error = state, error
        if changed and self.on_status is not None:
            self.on_status(self.status)

    def _data_arrived(self) -> None:
        self._last_data_s = self.now_s()
        if self.ready.is_set():
            self._set_state(PhoneState.STREAMING)

    def _check(self, what: str) -> None:
        """Raise when the phone, once streaming, has been silent too long, or sends no gyroscope.

        Before the first data there is no limit: setting up the phone takes the user a while, and
        the live view says what to do.
        """
        silent_s = self.now_s() - self._last_data_s
        if self.max_outage_s is not None and self.ready.is_set() and silent_s > self.max_outage_s:
            raise PhoneLostError(f"{self.placement}: {what} for more than {self.max_outage_s:g} s")
        stats = self.stream.stats
        if stats.acc_samples and not stats.gyr_samples and self.now_s() > NO_GYRO_AFTER_S:
            raise PhoneLostError(
                f"{self.placement}: the phone sends acceleration but no gyroscope; trunk angles need one"
            )

    async def _pause(self, duration_s: float) -> bool:
        """Sleep on the host clock unless stopped first; True when stopped."""
        sleeper = asyncio.ensure_future(self.clock.sleep(duration_s))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return self._stop.is_set()
