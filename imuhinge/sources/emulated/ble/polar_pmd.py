"""Emulated Polar Verity Sense: PMD control point and delta-compressed ACC and GYRO frames."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from bumble import att
from bumble.device import Connection
from bumble.gatt import Characteristic, Service

from imuhinge.sources.ble.profiles.base import PacketError
from imuhinge.sources.ble.profiles.polar_pmd import (
    ACC,
    CONTROL_UUID,
    DATA_UUID,
    GYRO,
    HEADER_BYTES,
    MODEL_RATES_HZ,
    OP_START,
    OP_STOP,
    RESPONSE_CODE,
    SERVICE_UUID,
    SETTING_RATE,
    PolarPmdProfile,
    encode_data_frame,
    encode_delta_frames,
    encode_start_response,
    parse_settings,
)
from imuhinge.sources.emulated.ble.base import Emulation, Notification, advertising_data

if TYPE_CHECKING:
    from imuhinge.sources.emulated.ble.sensor import VirtualSensor

# Scale factors the emulated device reports (float32-exact): 8 g and 2000 deg/s over int16.
FACTORS = {ACC: 8.0 / 32768.0, GYRO: 2000.0 / 32768.0}
SENSOR_EPOCH_NS = 815_000_000 * 10**9
STATUS_INVALID_SAMPLE_RATE = 8
STATUS_NOT_SUPPORTED = 3
COMPRESSED_TYPE_0 = 0x80
_FEATURES = bytes([0x0F, (1 << ACC) | (1 << GYRO), 0x00])


class PolarPmdEmulation(Emulation):
    """Verity Sense online streaming: start/stop on the control point, frames on the data."""

    profile: ClassVar[type[PolarPmdProfile]] = PolarPmdProfile
    default_name: ClassVar[str] = "Polar Sense 1A2B3C4D"

    def __init__(self, sensor: VirtualSensor) -> None:
        super().__init__(sensor)
        self.active: set[int] = set()
        self.control = Characteristic[bytes](
            CONTROL_UUID,
            Characteristic.Properties.READ
            | Characteristic.Properties.WRITE
            | Characteristic.Properties.INDICATE,
            Characteristic.READABLE | Characteristic.WRITEABLE,
            att.AttributeValue(read=lambda connection: _FEATURES, write=self._on_command),
        )
        self.data = Characteristic(DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")

    def services(self) -> list[Service]:
        """The PMD service: control point and data."""
        return [Service(SERVICE_UUID, [self.control, self.data])]

    def advertising_data(self, name: str) -> bytes:
        """Name only (Polar advertises its own 16-bit services, not PMD)."""
        return advertising_data(name)

    def _on_command(self, connection: Connection, value: bytes) -> None:
        value = bytes(value)
        if len(value) < 2:
            raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        op, measurement_type = value[0], value[1]
        if measurement_type not in FACTORS:
            self._respond(op, measurement_type, STATUS_NOT_SUPPORTED)
            return
        if op == OP_START:
            try:
                rate = parse_settings(value[2:]).get(SETTING_RATE, [0])[0]
            except PacketError:
                rate = 0
            if float(rate) not in MODEL_RATES_HZ["Verity Sense"]:
                self._respond(op, measurement_type, STATUS_INVALID_SAMPLE_RATE)
                return
            self.sensor.set_rate(float(rate))
            self.active.add(measurement_type)
            self.sensor.start_streaming()
            self.sensor.spawn(
                self.sensor.indicate(
                    self.control, encode_start_response(measurement_type, factor=FACTORS[measurement_type])
                )
            )
        elif op == OP_STOP:
            self.active.discard(measurement_type)
            if not self.active:
                self.sensor.stop_streaming()
            self._respond(op, measurement_type, 0)

    def _respond(self, op: int, measurement_type: int, status: int) -> None:
        response = bytes([RESPONSE_CODE, op, measurement_type, status, 0])
        self.sensor.spawn(self.sensor.indicate(self.control, response))

    def on_disconnection(self) -> None:
        """Streams end with the link."""
        self.active.clear()

    def notifications(self, first: int, end: int, mtu: int, flush: bool) -> tuple[list[Notification], int]:
        """Frames of as many samples as fit the MTU, one per active stream, same sample range."""
        per_frame = max(1, (mtu - 3 - HEADER_BYTES - 6 - 2) // 6 + 1)
        period_ns = 1e9 / self.sensor.rate_hz
        out: list[Notification] = []
        k = first
        while self.active and (end - k >= per_frame or (flush and k < end)):
            count = min(per_frame, end - k)
            frames = self._frames(k, count, period_ns)
            while any(len(f) > mtu - 3 for f in frames) and count > 1:
                count -= 1
                frames = self._frames(k, count, period_ns)
            out += [(self.data, f) for f in frames]
            k += count
        return out, (k - first) if self.active else end - first

    def _frames(self, first: int, count: int, period_ns: float) -> list[bytes]:
        acc_g, gyr_dps = self.sensor.samples(np.arange(first, first + count))
        last_ns = SENSOR_EPOCH_NS + round((first + count - 1) * period_ns)
        frames = []
        for measurement_type, values in ((ACC, acc_g), (GYRO, gyr_dps)):
            if measurement_type in self.active:
                factor = float(np.float32(FACTORS[measurement_type]))
                raw = np.clip(np.round(values / factor), -32768, 32767).astype(np.int64)
                content = encode_delta_frames(raw, 16)
                frames.append(encode_data_frame(measurement_type, last_ns, COMPRESSED_TYPE_0, content))
        return frames
