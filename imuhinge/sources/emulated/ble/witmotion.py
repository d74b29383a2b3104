"""Emulated WitMotion WT901BLE: streams on subscription, rate by unlocked register writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from bumble import att
from bumble.device import Connection
from bumble.gatt import Characteristic, Service

from imuhinge.sources.ble.profiles.witmotion import (
    FRAME_BYTES,
    NOTIFY_UUID,
    RATE_CODES,
    REG_RATE,
    SERVICE_UUID,
    UNLOCK,
    WRITE_UUID,
    WitMotionProfile,
    encode_frame,
)
from imuhinge.sources.emulated.ble.base import Emulation, Notification, advertising_data

if TYPE_CHECKING:
    from imuhinge.sources.emulated.ble.sensor import VirtualSensor

_RATES_BY_CODE = {code: rate for rate, code in RATE_CODES.items()}


class WitMotionEmulation(Emulation):
    """WT901BLE: 20-byte 55 61 frames, packed several per notification when the MTU allows."""

    profile: ClassVar[type[WitMotionProfile]] = WitMotionProfile
    default_name: ClassVar[str] = "WT901BLE68"

    def __init__(self, sensor: VirtualSensor) -> None:
        super().__init__(sensor)
        self.unlocked = False
        self.notify = Characteristic(
            NOTIFY_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self.notify.on(self.notify.EVENT_SUBSCRIPTION, self._on_subscription)
        self.command = Characteristic[bytes](
            WRITE_UUID,
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            att.AttributeValue(write=self._on_command),
        )

    def services(self) -> list[Service]:
        """Service ffe5 with the notify (ffe4) and command (ffe9) characteristics."""
        return [Service(SERVICE_UUID, [self.notify, self.command])]

    def advertising_data(self, name: str) -> bytes:
        """Name only, like the device."""
        return advertising_data(name)

    def _on_subscription(self, bearer: object, notify: bool, indicate: bool) -> None:
        if notify:
            self.sensor.start_streaming()
        else:
            self.sensor.stop_streaming()

    def _on_command(self, connection: Connection, value: bytes) -> None:
        value = bytes(value)
        if value == UNLOCK:
            self.unlocked = True
        elif self.unlocked and value[:3] == bytes([0xFF, 0xAA, REG_RATE]) and len(value) == 5:
            rate_hz = _RATES_BY_CODE.get(value[3])
            if rate_hz is not None:
                self.sensor.set_rate(rate_hz)

    def on_disconnection(self) -> None:
        """Registers lock again on a new connection."""
        self.unlocked = False

    def notifications(self, first: int, end: int, mtu: int, flush: bool) -> tuple[list[Notification], int]:
        """Every due sample as a frame; angles from the accelerometer (yaw 0)."""
        per_notification = max(1, (mtu - 3) // FRAME_BYTES)
        out: list[Notification] = []
        for start in range(first, end, per_notification):
            index = np.arange(start, min(start + per_notification, end))
            acc_g, gyr_dps = self.sensor.samples(index)
            roll = np.degrees(np.arctan2(acc_g[:, 1], acc_g[:, 2]))
            pitch = np.degrees(np.arctan2(-acc_g[:, 0], np.hypot(acc_g[:, 1], acc_g[:, 2])))
            angles = np.column_stack([roll, pitch, np.zeros(len(index))])
            payload = b"".join(map(encode_frame, acc_g, gyr_dps, angles))
            out.append((self.notify, payload))
        return out, end - first
