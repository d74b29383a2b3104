"""Polar Measurement Data (PMD) service: Polar Verity Sense (acc + gyro) and H10 (acc only).

Control point ``...5C81`` (write + indicate) takes ``[op, measurement type, (setting, count, u16
value)...]`` (op 1 get settings, 2 start, 3 stop; settings 0 rate, 1 resolution, 2 range) and
answers ``F0 op type status more [settings...]``; a start response carries the scale factor
(setting 5, float32). Data ``...5C82`` (notify) frames are ``type u8, u64 LE time of the LAST
sample in ns since 2000-01-01, frame type u8 (bit 7: delta compressed), samples``.
Delta-compressed samples are a reference sample (channels x ceil(resolution / 8) bytes, signed LE)
followed by blocks ``bit width u8, sample count u8, count x channels signed fields packed
LSB-first``, each block byte aligned; every decoded delta is added to the previous sample. Layouts
as in Polar's polar-ble-sdk (BlePMDClient.parseDeltaFramesAll, AccData, GyrData,
PmdControlPointResponse).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from typing import ClassVar, Self

import numpy as np

from imuhinge.io.validate import ACC_MAX_G, GYRO_MAX_DPS
from imuhinge.sources.ble.profiles.base import (
    ClockModel,
    DecodedPacket,
    DeviceProfile,
    PacketError,
    Write,
)

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ACC = 2
GYRO = 5
OP_GET_SETTINGS = 1
OP_START = 2
OP_STOP = 3
RESPONSE_CODE = 0xF0
SETTING_RATE = 0
SETTING_RESOLUTION = 1
SETTING_RANGE = 2
SETTING_FACTOR = 5
_SETTING_BYTES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4}
COMPRESSED = 0x80
HEADER_BYTES = 10
STATUS_NAMES = (
    "success",
    "invalid op code",
    "invalid measurement type",
    "not supported",
    "invalid length",
    "invalid parameter",
    "already in state",
    "invalid resolution",
    "invalid sample rate",
    "invalid range",
    "invalid MTU",
    "invalid number of channels",
    "invalid state",
    "device in charger",
    "disk full",
)
MODEL_RATES_HZ = {"Verity Sense": (52.0,), "H10": (25.0, 50.0, 100.0, 200.0)}


def start_command(measurement_type: int, rate_hz: int, resolution_bits: int, range_: int) -> bytes:
    """Control point command that starts one online stream."""
    settings = b"".join(
        struct.pack("<BBH", setting, 1, value)
        for setting, value in (
            (SETTING_RATE, rate_hz),
            (SETTING_RESOLUTION, resolution_bits),
            (SETTING_RANGE, range_),
        )
    )
    return bytes([OP_START, measurement_type]) + settings


def stop_command(measurement_type: int) -> bytes:
    """Control point command that stops one online stream."""
    return bytes([OP_STOP, measurement_type])


def encode_start_response(measurement_type: int, status: int = 0, factor: float | None = None) -> bytes:
    """A control point response to a start command, as the device indicates it."""
    params = b"" if factor is None else struct.pack("<BBf", SETTING_FACTOR, 1, factor)
    return bytes([RESPONSE_CODE, OP_START, measurement_type, status, 0]) + params


def parse_settings(data: bytes) -> dict[int, list[int | float]]:
    """Settings list ``[setting, count, values...]`` to {setting: values}; factors as floats.

    Raises
    ------
    PacketError
        If a setting is unknown or the list is truncated.
    """
    settings: dict[int, list[int | float]] = {}
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data) or data[offset] not in _SETTING_BYTES:
            raise PacketError(f"Polar settings cannot be parsed: {data.hex(' ')}")
        setting, count = data[offset], data[offset + 1]
        size = _SETTING_BYTES[setting]
        offset += 2
        if offset + count * size > len(data):
            raise PacketError(f"Polar settings are truncated: {data.hex(' ')}")
        values: list[int | float] = []
        for _ in range(count):
            field = data[offset : offset + size]
            if setting == SETTING_FACTOR:
                values.append(struct.unpack("<f", field)[0])
            else:
                values.append(int.from_bytes(field, "little"))
            offset += size
        settings[setting] = values
    return settings


def parse_delta_frames(content: bytes, channels: int, resolution_bits: int) -> np.ndarray:
    """Decode a delta-compressed sample block into integers, shape (n, channels).

    Values are accumulated with 32-bit two's complement wrap-around, as in the SDK (float-coded
    frames add deltas to the IEEE 754 bit patterns).

    Raises
    ------
    PacketError
        If a block is truncated or has a bit width of 0 or above 32.
    """
    ref_bytes = (resolution_bits + 7) // 8
    if len(content) < channels * ref_bytes:
        raise PacketError("Polar compressed frame is shorter than its reference sample")
    reference = [
        int.from_bytes(content[i * ref_bytes : (i + 1) * ref_bytes], "little", signed=True)
        for i in range(channels)
    ]
    deltas = [np.zeros((1, channels), dtype=np.int64)]
    offset = channels * ref_bytes
    while offset < len(content):
        if offset + 2 > len(content):
            raise PacketError("Polar compressed frame ends inside a block header")
        width, count = content[offset], content[offset + 1]
        offset += 2
        if not 1 <= width <= 32:
            raise PacketError(f"Polar compressed block has bit width {width}")
        n_bits = width * count * channels
        n_bytes = (n_bits + 7) // 8
        if offset + n_bytes > len(content):
            raise PacketError("Polar compressed block is truncated")
        bits = np.unpackbits(np.frombuffer(content, np.uint8, n_bytes, offset), bitorder="little")[
            :n_bits
        ].reshape(count * channels, width)
        values = bits.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
        values -= (values >> (width - 1)) << width
        deltas.append(values.reshape(count, channels))
        offset += n_bytes
    samples = np.asarray(reference, dtype=np.int64) + np.cumsum(np.vstack(deltas), axis=0)
    return (samples + 2**31) % 2**32 - 2**31


def encode_delta_frames(samples: np.ndarray, resolution_bits: int, block_samples: int = 32) -> bytes:
    """Delta-compress integer samples, shape (n, channels), the way Polar devices do.

    Each block uses the smallest signed bit width that holds all of its deltas.
    """
    samples = np.asarray(samples, dtype=np.int64)
    ref_bytes = (resolution_bits + 7) // 8
    out = bytearray()
    for value in samples[0]:
        out += int(value).to_bytes(ref_bytes, "little", signed=True)
    deltas = np.diff(samples, axis=0)
    for start in range(0, len(deltas), block_samples):
        block = deltas[start : start + block_samples]
        width = max(1, max(int(v).bit_length() + 1 for v in block.ravel()))
        packed = 0
        for i, value in enumerate(block.ravel()):
            packed |= (int(value) & ((1 << width) - 1)) << (i * width)
        n_bytes = (width * block.size + 7) // 8
        out += bytes([width, len(block)]) + packed.to_bytes(n_bytes, "little")
    return bytes(out)


def encode_data_frame(measurement_type: int, last_sample_ns: int, frame_type: int, content: bytes) -> bytes:
    """A PMD data notification: type, time of the last sample, frame type, then the content."""
    return struct.pack("<BQB", measurement_type, last_sample_ns, frame_type) + content


@dataclass(frozen=True)
class PolarPmdProfile(DeviceProfile):
    """Polar Verity Sense (acc + gyro) or H10 (acc only) streaming over PMD."""

    name: ClassVar[str] = "polar_pmd"
    title: ClassVar[str] = "Polar PMD"
    clock_model: ClassVar[ClockModel] = ClockModel.SENSOR_TIMESTAMP
    service_uuid: ClassVar[str] = SERVICE_UUID
    notify_uuids: ClassVar[tuple[str, ...]] = (DATA_UUID,)
    control_uuid: ClassVar[str | None] = CONTROL_UUID
    name_pattern: ClassVar[str | None] = r"^Polar (Sense|H10)\b"
    max_drift: ClassVar[float] = 1e-3

    model: str = "Verity Sense"
    sample_rate_hz: float = 52.0
    acc_range_g: int = 8
    gyr_range_dps: int = 2000
    acc_factor: float | None = None
    gyr_factor: float | None = None

    @classmethod
    def from_advertisement(cls, local_name: str | None, service_uuids: list[str]) -> Self | None:
        """Verity Sense or H10 by the advertised name (Polar does not advertise the PMD UUID)."""
        if not super().from_advertisement(local_name, service_uuids):
            return None
        if local_name and "H10" in local_name:
            return cls(model="H10", sample_rate_hz=200.0)
        return cls()

    @property
    def rates_hz(self) -> tuple[float, ...]:  # type: ignore[override]
        """Online streaming rates of this model."""
        return MODEL_RATES_HZ[self.model]

    @property
    def has_gyro(self) -> bool:  # type: ignore[override]
        """The H10 has no gyroscope."""
        return self.model != "H10"

    @property
    def streams(self) -> tuple[int, ...]:
        """PMD measurement types this profile starts."""
        return (ACC, GYRO) if self.has_gyro else (ACC,)

    def start_writes(self) -> list[Write]:
        """Start ACC (and GYRO) at 16 bit; subscribe to the control point first for the factors."""
        rate = int(self.sample_rate_hz)
        ranges = {ACC: self.acc_range_g, GYRO: self.gyr_range_dps}
        return [Write(CONTROL_UUID, start_command(t, rate, 16, ranges[t])) for t in self.streams]

    def stop_writes(self) -> list[Write]:
        """Stop every started stream."""
        return [Write(CONTROL_UUID, stop_command(t)) for t in self.streams]

    def apply_control_response(self, data: bytes) -> Self:
        """Take the scale factor from a start response.

        Raises
        ------
        PacketError
            If the device refused to start a stream, or the response is malformed.
        """
        if len(data) < 4 or data[0] != RESPONSE_CODE:
            raise PacketError(f"not a Polar control point response: {data.hex(' ')}")
        op, measurement_type, status = data[1], data[2], data[3]
        if status != 0:
            reason = STATUS_NAMES[status] if status < len(STATUS_NAMES) else f"error {status}"
            raise PacketError(f"Polar refused op {op} for measurement type {measurement_type}: {reason}")
        if op != OP_START:
            return self
        factor = parse_settings(data[5:]).get(SETTING_FACTOR)
        if not factor:
            return self
        if not (math.isfinite(factor[0]) and factor[0] > 0):
            raise PacketError(f"Polar start response gives the scale factor {factor[0]!r}")
        if measurement_type == ACC:
            return replace(self, acc_factor=float(factor[0]))
        if measurement_type == GYRO:
            return replace(self, gyr_factor=float(factor[0]))
        return self

    def decode(self, data: bytes) -> DecodedPacket:
        """Decode one ACC or GYRO data frame; acc in g, gyro in deg/s, per-sample sensor times.

        Raises
        ------
        PacketError
            On an unsupported measurement or frame type, a GYRO frame from an H10 (it has no
            gyroscope), a bad length, a compressed frame whose scale factor has not been received
            yet, or values no IMU reports (float-coded frames can hold any bit pattern).
        """
        if len(data) <= HEADER_BYTES:
            raise PacketError(f"Polar data frame too short: {len(data)} bytes")
        measurement_type, last_ns, frame_byte = struct.unpack_from("<BQB", data)
        compressed, frame_type = bool(frame_byte & COMPRESSED), frame_byte & 0x7F
        content = bytes(data[HEADER_BYTES:])
        if measurement_type == ACC:
            acc_g = self._acc_g(content, compressed, frame_type)
            values, gyr_dps = acc_g, None
        elif measurement_type == GYRO and not self.has_gyro:
            raise PacketError(f"Polar {self.model} has no gyroscope: a GYRO frame is not its own")
        elif measurement_type == GYRO:
            gyr_dps = self._gyr_dps(content, compressed, frame_type)
            values, acc_g = gyr_dps, None
        else:
            raise PacketError(f"Polar measurement type {measurement_type} was not requested")
        n = len(values)
        sensor_time_s = last_ns * 1e-9 - np.arange(n - 1, -1, -1) / self.sample_rate_hz
        packet = DecodedPacket(acc_g=acc_g, gyr_dps=gyr_dps, sensor_time_s=sensor_time_s)  # finite only
        limit, unit = (ACC_MAX_G, "g") if acc_g is not None else (GYRO_MAX_DPS, "deg/s")
        if np.abs(values).max(initial=0.0) > limit:
            raise PacketError(f"Polar frame with values beyond any IMU's range ({limit:g} {unit})")
        return packet

    def _acc_g(self, content: bytes, compressed: bool, frame_type: int) -> np.ndarray:
        if not compressed:
            if frame_type not in (0, 1, 2):
                raise PacketError(f"Polar ACC raw frame type {frame_type} is not supported")
            size = frame_type + 1
            if len(content) % (3 * size):
                raise PacketError(f"Polar ACC frame of {len(content)} bytes is not whole samples")
            raw = np.array(
                [
                    int.from_bytes(content[i : i + size], "little", signed=True)
                    for i in range(0, len(content), size)
                ],
                dtype=float,
            )
            return raw.reshape(-1, 3) * 1e-3
        samples = parse_delta_frames(content, 3, 16).astype(float)
        if frame_type == 0:
            return samples * self._factor(self.acc_factor, "ACC")
        if frame_type == 1:
            return samples * (self.acc_factor or 1.0) * 1e-3
        raise PacketError(f"Polar ACC compressed frame type {frame_type} is not supported")

    def _gyr_dps(self, content: bytes, compressed: bool, frame_type: int) -> np.ndarray:
        if compressed and frame_type == 0:
            return parse_delta_frames(content, 3, 16).astype(float) * self._factor(self.gyr_factor, "GYRO")
        if compressed and frame_type == 1:
            bits = parse_delta_frames(content, 3, 32).astype(np.uint32)
            return bits.view(np.float32).astype(float) * (self.gyr_factor or 1.0)
        kind = "compressed" if compressed else "raw"
        raise PacketError(f"Polar GYRO {kind} frame type {frame_type} is not supported")

    @staticmethod
    def _factor(factor: float | None, stream: str) -> float:
        if factor is None:
            raise PacketError(f"Polar {stream} frame before the start response gave its scale factor")
        return factor
