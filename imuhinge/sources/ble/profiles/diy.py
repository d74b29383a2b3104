"""The project's own open GATT profile for a DIY sensor (see firmware_notes/diy_profile.md).

Data notification: an 8-byte header, then ``n`` samples of six int16 LE (acc x, y, z, gyro x, y, z)
in the raw units of an ST LSM6DS-family IMU at the range codes given in the header::

    0    u8   bits 7-5 version (1), bits 4-0 n samples (1..31)
    1    u8   bits 7-6 acc range code, bits 5-3 gyro range code, bits 2-0 flags
    2    u16  sample counter of the first sample (wraps at 65536)
    4    u32  sensor time of the first sample in microseconds (wraps at 2**32)
    8    n x 12 bytes of samples

Config characteristic (read/write, ``<HBBBB``): rate Hz, acc range code, gyro range code, maximum
samples per notification (0: as many as fit the MTU), streaming (1 start, 0 stop).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from imuhinge.sources.ble.profiles.base import (
    ClockModel,
    DecodedPacket,
    DeviceProfile,
    PacketError,
    Write,
    int16_samples,
)

SERVICE_UUID = "5e170001-fcfe-4f1a-8a99-2e9a92386ee2"
DATA_UUID = "5e170002-fcfe-4f1a-8a99-2e9a92386ee2"
CONFIG_UUID = "5e170003-fcfe-4f1a-8a99-2e9a92386ee2"

VERSION = 1
HEADER_BYTES = 8
SAMPLE_BYTES = 12
MAX_SAMPLES = 31
COUNTER_MODULUS = 1 << 16
TIMESTAMP_MODULUS_US = 1 << 32

# LSM6DS3/LSM6DSL/LSM6DSO datasheet sensitivities, so firmware can send register values unchanged.
ACC_RANGE_G = (2.0, 4.0, 8.0, 16.0)
ACC_LSB_G = (0.061e-3, 0.122e-3, 0.244e-3, 0.488e-3)
GYR_RANGE_DPS = (125.0, 250.0, 500.0, 1000.0, 2000.0)
GYR_LSB_DPS = (4.375e-3, 8.75e-3, 17.5e-3, 35e-3, 70e-3)

FLAG_FIFO_OVERFLOW = 0x01
FLAG_CLIPPED = 0x02

_HEADER = struct.Struct("<BBHI")
_CONFIG = struct.Struct("<HBBBB")


@dataclass(frozen=True)
class DiyConfig:
    """Contents of the config characteristic."""

    rate_hz: int
    acc_range_code: int
    gyr_range_code: int
    max_batch: int = 0
    streaming: bool = False


def encode_config(config: DiyConfig) -> bytes:
    """Bytes of the config characteristic."""
    return _CONFIG.pack(
        config.rate_hz,
        config.acc_range_code,
        config.gyr_range_code,
        config.max_batch,
        int(config.streaming),
    )


def decode_config(data: bytes) -> DiyConfig:
    """Parse the config characteristic.

    Raises
    ------
    PacketError
        If the length or a range code is wrong.
    """
    if len(data) != _CONFIG.size:
        raise PacketError(f"DIY config must be {_CONFIG.size} bytes, got {len(data)}")
    rate_hz, acc_code, gyr_code, max_batch, streaming = _CONFIG.unpack(data)
    if acc_code >= len(ACC_LSB_G) or gyr_code >= len(GYR_LSB_DPS) or rate_hz == 0:
        raise PacketError(f"DIY config has an invalid rate or range code: {data.hex(' ')}")
    return DiyConfig(rate_hz, acc_code, gyr_code, max_batch, bool(streaming))


def samples_per_notification(mtu: int) -> int:
    """Most samples one notification carries at ATT MTU ``mtu`` (1 at MTU 23, 19 at MTU 247)."""
    return max(0, min(MAX_SAMPLES, (mtu - 3 - HEADER_BYTES) // SAMPLE_BYTES))


def encode_packet(
    counter: int,
    timestamp_us: int,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray,
    acc_range_code: int,
    gyr_range_code: int,
    flags: int = 0,
) -> bytes:
    """Encode consecutive samples into one data notification, as the firmware does.

    Parameters
    ----------
    counter : int
        Sample counter of the first sample (taken modulo 65536).
    timestamp_us : int
        Sensor time of the first sample in microseconds (taken modulo 2**32).
    acc_g, gyr_dps : ndarray, shape (n, 3)
        Samples in g and deg/s; rounded to the range's LSB and clipped to int16.
    acc_range_code, gyr_range_code : int
        Indexes into ``ACC_LSB_G`` and ``GYR_LSB_DPS``.
    flags : int
        ``FLAG_FIFO_OVERFLOW``; ``FLAG_CLIPPED`` is set here when a value was clipped.

    Returns
    -------
    bytes
    """
    n = len(acc_g)
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"a DIY packet holds 1..{MAX_SAMPLES} samples, got {n}")
    raw = np.hstack(
        [
            np.round(np.asarray(acc_g) / ACC_LSB_G[acc_range_code]),
            np.round(np.asarray(gyr_dps) / GYR_LSB_DPS[gyr_range_code]),
        ]
    )
    clipped = np.clip(raw, -32768, 32767)
    if np.any(clipped != raw):
        flags |= FLAG_CLIPPED
    header = _HEADER.pack(
        (VERSION << 5) | n,
        (acc_range_code << 6) | (gyr_range_code << 3) | (flags & 0x07),
        counter % COUNTER_MODULUS,
        timestamp_us % TIMESTAMP_MODULUS_US,
    )
    return header + clipped.astype("<i2").tobytes()


@dataclass(frozen=True)
class DiyProfile(DeviceProfile):
    """The imuhinge DIY sensor (XIAO nRF52840 Sense reference firmware)."""

    name: ClassVar[str] = "diy"
    title: ClassVar[str] = "imuhinge DIY sensor"
    clock_model: ClassVar[ClockModel] = ClockModel.SENSOR_TIMESTAMP
    service_uuid: ClassVar[str] = SERVICE_UUID
    notify_uuids: ClassVar[tuple[str, ...]] = (DATA_UUID,)
    name_pattern: ClassVar[str | None] = r"^imuhinge"
    advertised_service_uuids: ClassVar[tuple[str, ...]] = (SERVICE_UUID,)
    rates_hz: ClassVar[tuple[float, ...]] = (25.0, 50.0, 100.0, 200.0)
    counter_modulus: ClassVar[int | None] = COUNTER_MODULUS
    timestamp_modulus_s: ClassVar[float | None] = TIMESTAMP_MODULUS_US * 1e-6

    sample_rate_hz: float = 100.0
    acc_range_code: int = 2
    gyr_range_code: int = 3

    def config(self, streaming: bool) -> DiyConfig:
        """The config characteristic value for this profile."""
        return DiyConfig(int(self.sample_rate_hz), self.acc_range_code, self.gyr_range_code, 0, streaming)

    def start_writes(self) -> list[Write]:
        """Write the config with streaming on."""
        return [Write(CONFIG_UUID, encode_config(self.config(streaming=True)))]

    def stop_writes(self) -> list[Write]:
        """Write the config with streaming off."""
        return [Write(CONFIG_UUID, encode_config(self.config(streaming=False)))]

    def decode(self, data: bytes) -> DecodedPacket:
        """Decode one data notification (see the module docstring for the layout)."""
        if len(data) < HEADER_BYTES + SAMPLE_BYTES:
            raise PacketError(f"DIY packet too short: {len(data)} bytes")
        version_n, ranges_flags, counter, timestamp_us = _HEADER.unpack_from(data)
        version, n = version_n >> 5, version_n & 0x1F
        if version != VERSION:
            raise PacketError(f"DIY packet version {version} is not supported (expected 1)")
        if len(data) != HEADER_BYTES + n * SAMPLE_BYTES:
            raise PacketError(f"DIY packet of {len(data)} bytes cannot hold {n} samples")
        acc_code, gyr_code = ranges_flags >> 6, (ranges_flags >> 3) & 0x07
        if gyr_code >= len(GYR_LSB_DPS):
            raise PacketError(f"DIY packet has an invalid gyro range code {gyr_code}")
        raw = int16_samples(memoryview(data)[HEADER_BYTES:], n, 6)
        index = np.arange(n)
        return DecodedPacket(
            acc_g=raw[:, :3] * ACC_LSB_G[acc_code],
            gyr_dps=raw[:, 3:] * GYR_LSB_DPS[gyr_code],
            sensor_time_s=timestamp_us * 1e-6 + index / self.sample_rate_hz,
            counter=(counter + index) % COUNTER_MODULUS,
        )
