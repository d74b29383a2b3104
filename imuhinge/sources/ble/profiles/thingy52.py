"""Nordic Thingy:52 motion service, raw data characteristic.

UUIDs are ``EF68xxxx-9B35-4933-9B10-52FFA9740042``: motion service ``0400``, motion config ``0401``
(``<HHHHB>``: pedometer interval ms, temperature compensation interval ms, compass interval ms,
motion processing frequency Hz (up to 200), wake on motion) and raw data ``0406``: 9 int16 LE per
notification, acc Q6.10 (/1024 g), gyro Q11.5 (/32 deg/s), compass Q12.4 (/16 uT). No timestamp.
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


def thingy_uuid(short: int) -> str:
    """Full 128-bit Thingy:52 UUID of a 16-bit short code such as 0x0400."""
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


CONFIGURATION_SERVICE_UUID = thingy_uuid(0x0100)
MOTION_SERVICE_UUID = thingy_uuid(0x0400)
MOTION_CONFIG_UUID = thingy_uuid(0x0401)
RAW_DATA_UUID = thingy_uuid(0x0406)

RAW_BYTES = 18
ACC_G_PER_LSB = 1.0 / 1024.0
GYR_DPS_PER_LSB = 1.0 / 32.0
COMPASS_UT_PER_LSB = 1.0 / 16.0

_MOTION_CONFIG = struct.Struct("<HHHHB")


@dataclass(frozen=True)
class MotionConfig:
    """Contents of the motion config characteristic (0401)."""

    pedometer_interval_ms: int = 1000
    temperature_interval_ms: int = 500
    compass_interval_ms: int = 100
    motion_frequency_hz: int = 100
    wake_on_motion: bool = False


def encode_motion_config(config: MotionConfig) -> bytes:
    """Bytes of the motion config characteristic."""
    return _MOTION_CONFIG.pack(
        config.pedometer_interval_ms,
        config.temperature_interval_ms,
        config.compass_interval_ms,
        config.motion_frequency_hz,
        int(config.wake_on_motion),
    )


def decode_motion_config(data: bytes) -> MotionConfig:
    """Parse the motion config characteristic.

    Raises
    ------
    PacketError
        If the length is wrong.
    """
    if len(data) != _MOTION_CONFIG.size:
        raise PacketError(f"Thingy motion config must be {_MOTION_CONFIG.size} bytes, got {len(data)}")
    pedometer, temperature, compass, frequency, wake = _MOTION_CONFIG.unpack(data)
    return MotionConfig(pedometer, temperature, compass, frequency, bool(wake))


def encode_raw(acc_g: np.ndarray, gyr_dps: np.ndarray, compass_ut: np.ndarray) -> bytes:
    """One raw data notification (values rounded and clipped to int16)."""
    raw = np.concatenate(
        [
            np.asarray(acc_g, dtype=float) / ACC_G_PER_LSB,
            np.asarray(gyr_dps, dtype=float) / GYR_DPS_PER_LSB,
            np.asarray(compass_ut, dtype=float) / COMPASS_UT_PER_LSB,
        ]
    )
    return np.clip(np.round(raw), -32768, 32767).astype("<i2").tobytes()


@dataclass(frozen=True)
class Thingy52Profile(DeviceProfile):
    """Nordic Thingy:52 raw motion data, one sample per notification, no sensor clock."""

    name: ClassVar[str] = "thingy52"
    title: ClassVar[str] = "Nordic Thingy:52"
    clock_model: ClassVar[ClockModel] = ClockModel.NOMINAL_RATE
    service_uuid: ClassVar[str] = MOTION_SERVICE_UUID
    notify_uuids: ClassVar[tuple[str, ...]] = (RAW_DATA_UUID,)
    name_pattern: ClassVar[str | None] = r"^Thingy"
    advertised_service_uuids: ClassVar[tuple[str, ...]] = (CONFIGURATION_SERVICE_UUID,)
    rates_hz: ClassVar[tuple[float, ...]] = (25.0, 50.0, 100.0, 200.0)
    max_drift: ClassVar[float] = 1e-3

    sample_rate_hz: float = 100.0

    def start_writes(self) -> list[Write]:
        """Set the motion processing frequency (the raw stream starts on subscription)."""
        config = MotionConfig(motion_frequency_hz=int(self.sample_rate_hz))
        return [Write(MOTION_CONFIG_UUID, encode_motion_config(config))]

    def decode(self, data: bytes) -> DecodedPacket:
        """Decode one raw data notification (acc and gyro; the compass is not used).

        Raises
        ------
        PacketError
            If the notification is not 18 bytes.
        """
        if len(data) != RAW_BYTES:
            raise PacketError(f"Thingy raw data must be {RAW_BYTES} bytes, got {len(data)}")
        raw = int16_samples(data, 1, 9)
        return DecodedPacket(acc_g=raw[:, 0:3] * ACC_G_PER_LSB, gyr_dps=raw[:, 3:6] * GYR_DPS_PER_LSB)
