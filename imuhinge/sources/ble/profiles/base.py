"""What a device profile provides: recognition, UUIDs, start/stop writes, a pure decoder, a clock.

A profile instance is immutable configuration (sample rate, scale factors). ``decode`` is a pure
function of the notification bytes and that configuration, so it can be unit tested with byte
vectors and reused by the virtual sensors' round-trip tests.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import ClassVar, Self

import numpy as np

from imuhinge.errors import InputError


class PacketError(InputError):
    """A notification that cannot be decoded; the stream consumer counts and drops it."""


class ClockModel(StrEnum):
    """Where a profile's sample times come from: never from arrival times (``docs/format.md``, "Timestamps").

    ``SENSOR_TIMESTAMP``: the device stamps samples with its own clock.
    ``SAMPLE_COUNTER``: the device numbers its samples; times are counter / rate.
    ``NOMINAL_RATE``: neither; samples are counted and the nominal rate is fitted to arrivals.
    """

    SENSOR_TIMESTAMP = "sensor_timestamp"
    SAMPLE_COUNTER = "sample_counter"
    NOMINAL_RATE = "nominal_rate"


@dataclass(frozen=True)
class Write:
    """One GATT write: characteristic UUID, payload and whether to wait for the write response."""

    char_uuid: str
    data: bytes
    response: bool = True


@dataclass(frozen=True)
class DecodedPacket:
    """Samples of one notification in file units; only finite numbers (anything else raises
    PacketError: the packet is malformed, whichever decoder made it).

    Attributes
    ----------
    acc_g : ndarray, shape (n, 3), or None
        Specific force in g; None when the packet carries only gyroscope samples.
    gyr_dps : ndarray, shape (n, 3), or None
        Angular rate in deg/s; None when the packet carries only accelerometer samples.
    sensor_time_s : ndarray, shape (n,), or None
        Sample times on the device's own clock in seconds (modulo the profile's
        ``timestamp_modulus_s`` when that clock wraps).
    counter : ndarray of int64, shape (n,), or None
        The device's sample counter (modulo the profile's ``counter_modulus``).
    """

    acc_g: np.ndarray | None
    gyr_dps: np.ndarray | None
    sensor_time_s: np.ndarray | None = None
    counter: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("acc_g", "gyr_dps", "sensor_time_s"):
            values = getattr(self, name)
            if values is not None and not np.isfinite(values).all():
                raise PacketError(f"packet with a value that is not a finite number in {name}")

    def __len__(self) -> int:
        data = self.acc_g if self.acc_g is not None else self.gyr_dps
        return 0 if data is None else len(data)


def normalize_uuid(uuid: str) -> str:
    """Lower-case 128-bit form of a UUID string (16-bit SIG UUIDs are expanded)."""
    uuid = uuid.lower()
    if len(uuid) == 4:
        return f"0000{uuid}-0000-1000-8000-00805f9b34fb"
    return uuid


class DeviceProfile(ABC):
    """One supported sensor model.

    Subclasses are frozen dataclasses; class attributes describe the GATT layout and instance
    fields the configuration (at least ``sample_rate_hz``).
    """

    name: ClassVar[str]
    """Registry key, as used on the command line (``diy``, ``witmotion`` ...)."""
    title: ClassVar[str]
    """Human-readable model name for scan listings and recording metadata."""
    clock_model: ClassVar[ClockModel]
    service_uuid: ClassVar[str]
    notify_uuids: ClassVar[tuple[str, ...]]
    control_uuid: ClassVar[str | None] = None
    """A characteristic whose indications/notifications answer the start writes, or None."""
    name_pattern: ClassVar[str | None] = None
    """Regular expression matched against the advertised local name."""
    advertised_service_uuids: ClassVar[tuple[str, ...]] = ()
    rates_hz: ClassVar[tuple[float, ...]]
    counter_modulus: ClassVar[int | None] = None
    timestamp_modulus_s: ClassVar[float | None] = None
    max_drift: ClassVar[float] = 1e-3
    """Largest plausible relative error of the device's sample clock (crystal: 1e-4 or better)."""

    sample_rate_hz: float
    has_gyro: ClassVar[bool] = True

    @classmethod
    def from_advertisement(cls, local_name: str | None, service_uuids: list[str]) -> Self | None:
        """Return a default-configured profile if the advertisement looks like this device.

        Parameters
        ----------
        local_name : str or None
            Advertised local name.
        service_uuids : list of str
            Advertised service UUIDs (any case, 16- or 128-bit).

        Returns
        -------
        DeviceProfile or None
        """
        uuids = {normalize_uuid(u) for u in service_uuids}
        if any(u in uuids for u in cls.advertised_service_uuids):
            return cls()
        if cls.name_pattern and local_name and re.search(cls.name_pattern, local_name):
            return cls()
        return None

    def with_rate(self, rate_hz: float) -> Self:
        """Return a copy streaming at ``rate_hz``.

        Raises
        ------
        InputError
            If the device cannot stream at that rate.
        """
        if rate_hz not in self.rates_hz:
            rates = ", ".join(f"{r:g}" for r in self.rates_hz)
            raise InputError(f"{self.title} cannot stream at {rate_hz:g} Hz (supported: {rates})")
        return replace(self, sample_rate_hz=float(rate_hz))  # type: ignore[type-var]

    @abstractmethod
    def start_writes(self) -> list[Write]:
        """Writes that configure the device and start streaming (after subscribing)."""

    def stop_writes(self) -> list[Write]:
        """Writes that stop streaming before disconnecting."""
        return []

    @abstractmethod
    def decode(self, data: bytes) -> DecodedPacket:
        """Decode one notification of a ``notify_uuids`` characteristic.

        Raises
        ------
        PacketError
            If the bytes are not a valid packet.
        """

    def apply_control_response(self, data: bytes) -> Self:
        """Return the profile updated by a response on ``control_uuid`` (default: unchanged).

        Raises
        ------
        PacketError
            If the response reports an error or cannot be parsed.
        """
        return self


def int16_samples(data: bytes | memoryview, n: int, channels: int) -> np.ndarray:
    """Little-endian int16 values as an (n, channels) float64 array."""
    return np.frombuffer(data, dtype="<i2", count=n * channels).reshape(n, channels).astype(float)
