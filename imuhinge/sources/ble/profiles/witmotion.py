"""WitMotion WT901BLE (BLE 5.0 variants of the WT901 family, e.g. WT901BLECL).

Notifications carry one or more 20-byte frames ``55 61`` + 9 int16 LE (acc x, y, z; gyro x, y, z;
roll, pitch, yaw), without timestamp, counter or checksum. Commands are 5 bytes ``FF AA reg lo hi``
written to the ``ffe9`` characteristic. The UUID base is ``...9a34fb``, not the SIG ``...9b34fb``.
"""

from __future__ import annotations

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

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

FRAME_BYTES = 20
FRAME_HEADER = b"\x55\x61"
ACC_G_PER_LSB = 16.0 / 32768.0
GYR_DPS_PER_LSB = 2000.0 / 32768.0
ANGLE_DEG_PER_LSB = 180.0 / 32768.0

UNLOCK = b"\xff\xaa\x69\x88\xb5"
SAVE = b"\xff\xaa\x00\x00\x00"
REG_RATE = 0x03
# Return-rate register codes of the WitMotion protocol (0x0A = 125 Hz exists on some firmware).
RATE_CODES = {
    0.2: 0x01,
    0.5: 0x02,
    1.0: 0x03,
    2.0: 0x04,
    5.0: 0x05,
    10.0: 0x06,
    20.0: 0x07,
    50.0: 0x08,
    100.0: 0x09,
    200.0: 0x0B,
}


def command(register: int, value: int) -> bytes:
    """A register write ``FF AA reg lo hi``."""
    return bytes([0xFF, 0xAA, register, value & 0xFF, (value >> 8) & 0xFF])


def encode_frame(acc_g: np.ndarray, gyr_dps: np.ndarray, angle_deg: np.ndarray) -> bytes:
    """Encode one sample as a 20-byte ``55 61`` frame (values rounded and clipped to int16).

    Parameters
    ----------
    acc_g, gyr_dps, angle_deg : array_like, shape (3,)
        Acceleration in g, angular rate in deg/s, roll/pitch/yaw in degrees.

    Returns
    -------
    bytes
    """
    raw = np.concatenate(
        [
            np.asarray(acc_g, dtype=float) / ACC_G_PER_LSB,
            np.asarray(gyr_dps, dtype=float) / GYR_DPS_PER_LSB,
            np.asarray(angle_deg, dtype=float) / ANGLE_DEG_PER_LSB,
        ]
    )
    return FRAME_HEADER + np.clip(np.round(raw), -32768, 32767).astype("<i2").tobytes()


@dataclass(frozen=True)
class WitMotionProfile(DeviceProfile):
    """WitMotion WT901BLE: acc, gyro and angles at a settable rate, no sensor clock."""

    name: ClassVar[str] = "witmotion"
    title: ClassVar[str] = "WitMotion WT901BLE"
    clock_model: ClassVar[ClockModel] = ClockModel.NOMINAL_RATE
    service_uuid: ClassVar[str] = SERVICE_UUID
    notify_uuids: ClassVar[tuple[str, ...]] = (NOTIFY_UUID,)
    name_pattern: ClassVar[str | None] = r"^WT901"
    advertised_service_uuids: ClassVar[tuple[str, ...]] = (SERVICE_UUID,)
    rates_hz: ClassVar[tuple[float, ...]] = (10.0, 20.0, 50.0, 100.0, 200.0)
    max_drift: ClassVar[float] = 0.02

    sample_rate_hz: float = 50.0

    def start_writes(self) -> list[Write]:
        """Unlock, then set the return rate (not saved to flash; see firmware_notes)."""
        code = RATE_CODES[self.sample_rate_hz]
        return [
            Write(WRITE_UUID, UNLOCK, response=False),
            Write(WRITE_UUID, command(REG_RATE, code), response=False),
        ]

    def decode(self, data: bytes) -> DecodedPacket:
        """Decode the ``55 61`` frames of one notification.

        Raises
        ------
        PacketError
            If the length is not a multiple of 20 bytes or a frame has another header.
        """
        if not data or len(data) % FRAME_BYTES:
            raise PacketError(f"WitMotion notification of {len(data)} bytes is not 20-byte frames")
        n = len(data) // FRAME_BYTES
        frames = np.frombuffer(data, dtype=np.uint8).reshape(n, FRAME_BYTES)
        if np.any(frames[:, 0] != 0x55) or np.any(frames[:, 1] != 0x61):
            headers = " ".join(bytes(f[:2]).hex() for f in frames)
            raise PacketError(f"WitMotion frame header is not 55 61: {headers}")
        raw = int16_samples(frames[:, 2:].tobytes(), n, 9)
        return DecodedPacket(acc_g=raw[:, 0:3] * ACC_G_PER_LSB, gyr_dps=raw[:, 3:6] * GYR_DPS_PER_LSB)
