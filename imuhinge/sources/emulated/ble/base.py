"""What a device emulation provides to ``VirtualSensor``: GATT layout, advertising, packetising."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from bumble import core
from bumble.gatt import Characteristic, Service

from imuhinge.sources.ble.profiles.base import DeviceProfile

if TYPE_CHECKING:
    from imuhinge.sources.emulated.ble.sensor import VirtualSensor

Notification = tuple[Characteristic[bytes], bytes]


def advertising_data(name: str, service_uuids: tuple[str, ...] = ()) -> bytes:
    """Flags (LE general discoverable, no BR/EDR), complete local name and 128-bit service UUIDs."""
    structures: list[tuple[int, bytes]] = [
        (core.AdvertisingData.FLAGS, bytes([0x06])),
        (core.AdvertisingData.COMPLETE_LOCAL_NAME, name.encode()),
    ]
    if service_uuids:
        payload = b"".join(core.UUID(u).to_bytes(force_128=True) for u in service_uuids)
        structures.append((core.AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, payload))
    return bytes(core.AdvertisingData(structures))


class Emulation(ABC):
    """One device model as a GATT server speaking the profile's real byte format.

    The ``VirtualSensor`` owns time, samples and faults; the emulation turns writes and
    subscriptions into ``sensor.set_rate`` / ``start_streaming`` / ``stop_streaming`` calls and
    due samples into notifications.
    """

    profile: ClassVar[type[DeviceProfile]]
    default_name: ClassVar[str]

    def __init__(self, sensor: VirtualSensor) -> None:
        self.sensor = sensor

    @property
    def default_rate_hz(self) -> float:
        """Rate the device streams at until configured."""
        return self.profile().sample_rate_hz

    @abstractmethod
    def services(self) -> list[Service]:
        """The GATT services to register."""

    @abstractmethod
    def advertising_data(self, name: str) -> bytes:
        """Advertising payload."""

    @abstractmethod
    def notifications(self, first: int, end: int, mtu: int, flush: bool) -> tuple[list[Notification], int]:
        """Notifications for due samples ``first .. end - 1`` at ATT MTU ``mtu``.

        Returns the notifications and how many samples they consumed; the rest waits for more
        samples unless ``flush`` (the data has ended).
        """

    def on_disconnection(self) -> None:  # noqa: B027 (optional hook)
        """The link dropped: forget per-connection state."""
