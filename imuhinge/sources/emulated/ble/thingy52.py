"""Emulated Nordic Thingy:52: raw motion data on subscription at the configured frequency."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from bumble import att
from bumble.device import Connection
from bumble.gatt import Characteristic, Service

from imuhinge.sources.ble.profiles.base import PacketError
from imuhinge.sources.ble.profiles.thingy52 import (
    CONFIGURATION_SERVICE_UUID,
    MOTION_CONFIG_UUID,
    MOTION_SERVICE_UUID,
    RAW_DATA_UUID,
    MotionConfig,
    Thingy52Profile,
    decode_motion_config,
    encode_motion_config,
    encode_raw,
    thingy_uuid,
)
from imuhinge.sources.emulated.ble.base import Emulation, Notification, advertising_data

if TYPE_CHECKING:
    from imuhinge.sources.emulated.ble.sensor import VirtualSensor

COMPASS_UT = np.array([20.0, 0.0, -40.0])


class Thingy52Emulation(Emulation):
    """Thingy:52 motion service: config 0401, raw data 0406 (one sample per notification)."""

    profile: ClassVar[type[Thingy52Profile]] = Thingy52Profile
    default_name: ClassVar[str] = "Thingy"

    def __init__(self, sensor: VirtualSensor) -> None:
        super().__init__(sensor)
        self.config = MotionConfig(motion_frequency_hz=int(self.default_rate_hz))
        self.raw = Characteristic(
            RAW_DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self.raw.on(self.raw.EVENT_SUBSCRIPTION, self._on_subscription)
        self.config_char = Characteristic[bytes](
            MOTION_CONFIG_UUID,
            Characteristic.Properties.READ | Characteristic.Properties.WRITE,
            Characteristic.READABLE | Characteristic.WRITEABLE,
            att.AttributeValue(read=self._read_config, write=self._write_config),
        )

    def services(self) -> list[Service]:
        """Configuration service (device name) and motion service (config, raw data)."""
        name = Characteristic(
            thingy_uuid(0x0101), Characteristic.Properties.READ, Characteristic.READABLE, b"Thingy"
        )
        return [
            Service(CONFIGURATION_SERVICE_UUID, [name]),
            Service(MOTION_SERVICE_UUID, [self.config_char, self.raw]),
        ]

    def advertising_data(self, name: str) -> bytes:
        """Name and the configuration service UUID, like the stock firmware."""
        return advertising_data(name, (CONFIGURATION_SERVICE_UUID,))

    def _read_config(self, connection: Connection) -> bytes:
        return encode_motion_config(self.config)

    def _write_config(self, connection: Connection, value: bytes) -> None:
        try:
            config = decode_motion_config(bytes(value))
        except PacketError as error:
            raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH) from error
        if not 5 <= config.motion_frequency_hz <= 200:
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)
        self.config = config
        self.sensor.set_rate(config.motion_frequency_hz)

    def _on_subscription(self, bearer: object, notify: bool, indicate: bool) -> None:
        if notify:
            self.sensor.start_streaming()
        else:
            self.sensor.stop_streaming()

    def notifications(self, first: int, end: int, mtu: int, flush: bool) -> tuple[list[Notification], int]:
        """One 18-byte notification per due sample."""
        acc_g, gyr_dps = self.sensor.samples(np.arange(first, end))
        out = [(self.raw, encode_raw(a, g, COMPASS_UT)) for a, g in zip(acc_g, gyr_dps, strict=True)]
        return out, end - first
