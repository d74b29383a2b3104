"""Emulated DIY sensor: config characteristic starts streaming; data packets as the firmware sends."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from bumble import att
from bumble.device import Connection
from bumble.gatt import Characteristic, Service

from imuhinge.sources.ble.profiles.base import PacketError
from imuhinge.sources.ble.profiles.diy import (
    CONFIG_UUID,
    DATA_UUID,
    SERVICE_UUID,
    DiyConfig,
    DiyProfile,
    decode_config,
    encode_config,
    encode_packet,
    samples_per_notification,
)
from imuhinge.sources.emulated.ble.base import Emulation, Notification, advertising_data

if TYPE_CHECKING:
    from imuhinge.sources.emulated.ble.sensor import VirtualSensor

# Counter and timestamp run from power-on; start them near their wrap so streams cross it.
COUNTER_AT_FIRST_SAMPLE = 65_000
TIMESTAMP_AT_FIRST_SAMPLE_US = 2**32 - 3_000_000
BATCH_S = 0.02


class DiyEmulation(Emulation):
    """The reference firmware: samples from power-on, streams while the config says so."""

    profile: ClassVar[type[DiyProfile]] = DiyProfile
    default_name: ClassVar[str] = "imuhinge-diy"

    def __init__(self, sensor: VirtualSensor) -> None:
        super().__init__(sensor)
        default = DiyProfile()
        self.config = default.config(streaming=False)
        self.data = Characteristic(DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        self.config_char = Characteristic[bytes](
            CONFIG_UUID,
            Characteristic.Properties.READ | Characteristic.Properties.WRITE,
            Characteristic.READABLE | Characteristic.WRITEABLE,
            att.AttributeValue(read=self._read_config, write=self._write_config),
        )

    def services(self) -> list[Service]:
        """The DIY service: data (notify) and config (read/write)."""
        return [Service(SERVICE_UUID, [self.data, self.config_char])]

    def advertising_data(self, name: str) -> bytes:
        """Name and the 128-bit DIY service UUID."""
        return advertising_data(name, (SERVICE_UUID,))

    def _read_config(self, connection: Connection) -> bytes:
        return encode_config(self.config)

    def _write_config(self, connection: Connection, value: bytes) -> None:
        try:
            config = decode_config(bytes(value))
        except PacketError as error:
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED) from error
        self.config = config
        self.sensor.set_rate(config.rate_hz)
        if config.streaming:
            self.sensor.start_streaming()
        else:
            self.sensor.stop_streaming()

    def on_disconnection(self) -> None:
        """The firmware stops streaming when the link drops."""
        self.config = DiyConfig(self.config.rate_hz, self.config.acc_range_code, self.config.gyr_range_code)

    def notifications(self, first: int, end: int, mtu: int, flush: bool) -> tuple[list[Notification], int]:
        """About 20 ms of samples per packet, as many as fit the MTU, counter and time stamped."""
        fit = samples_per_notification(mtu)
        per_packet = min(fit, self.config.max_batch) if self.config.max_batch else fit
        target = min(per_packet, max(1, round(self.config.rate_hz * BATCH_S)))
        period_us = 1e6 / self.config.rate_hz
        out: list[Notification] = []
        k = first
        while end - k >= target or (flush and k < end):
            index = np.arange(k, min(k + target, end))
            acc_g, gyr_dps = self.sensor.samples(index)
            packet = encode_packet(
                COUNTER_AT_FIRST_SAMPLE + k,
                TIMESTAMP_AT_FIRST_SAMPLE_US + round(k * period_us),
                acc_g,
                gyr_dps,
                self.config.acc_range_code,
                self.config.gyr_range_code,
            )
            out.append((self.data, packet))
            k += len(index)
        return out, k - first
