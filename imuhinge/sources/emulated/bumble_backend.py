"""A bleak backend on Google's Bumble: BLE without hardware, in this process.

``BumbleLink`` is an in-process radio: a Bumble ``LocalLink`` on which one central ``Device`` is
shared by every scanner and client, and on which the virtual sensors (``imuhinge.sources.emulated.ble``)
are peripherals. ``BumbleScanner`` and ``BumbleClient`` implement bleak's backend interfaces, so the
application code is plain bleak::

    async with BleakScanner(backend=BumbleScanner) as scanner: ...
    async with BleakClient(device, backend=BumbleClient) as client: ...

The link is also the emulated world's time base (``EmulatedTime``): with ``speed=20`` the virtual
sensors produce samples twenty times faster than real time and ``clock_ns`` (the host clock for the
streams) runs twenty times faster too.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import uuid
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from bleak import BleakScanner
from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES, CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import att, core
from bumble.controller import Controller
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from imuhinge.sources.ble.scan import BleBackend
from imuhinge.sources.emulated.time_base import EmulatedTime

logger = logging.getLogger(__name__)

CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"
REQUESTED_MTU = 247
_T = TypeVar("_T")
_LINKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BumbleLink] = weakref.WeakKeyDictionary()


def uuid_str(value: core.UUID) -> str:
    """bleak's UUID form (lower-case 128-bit) of a Bumble UUID."""
    return str(uuid.UUID(bytes=bytes(reversed(value.uuid_128_bytes))))


class BumbleLink(EmulatedTime):
    """An in-process BLE radio with one shared central device and an emulated time base.

    Parameters
    ----------
    speed : float
        How much faster than real time the emulated world runs.
    """

    def __init__(self, speed: float = 1.0) -> None:
        super().__init__(speed)
        self.link = LocalLink()
        self._central: Device | None = None
        self._central_lock = asyncio.Lock()
        self._scan_lock = asyncio.Lock()
        self._scanners: set[BumbleScanner] = set()
        self.connect_lock = asyncio.Lock()
        """Bumble allows one pending LE connection per device at a time."""

    @classmethod
    def current(cls) -> BumbleLink:
        """The link of the running event loop, created at speed 1 on first use."""
        loop = asyncio.get_running_loop()
        if loop not in _LINKS:
            _LINKS[loop] = cls()
        return _LINKS[loop]

    def make_current(self) -> BumbleLink:
        """Make this the link that ``BumbleScanner``/``BumbleClient`` use by default."""
        _LINKS[asyncio.get_running_loop()] = self
        return self

    def add_device(self, name: str, address: str) -> Device:
        """A new controller + host + device on this link (not powered on yet)."""
        controller = Controller(name, link=self.link)
        return Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))

    async def central(self) -> Device:
        """The shared central device, powered on."""
        async with self._central_lock:
            if self._central is None:
                central = self.add_device("imuhinge-central", CENTRAL_ADDRESS)
                await central.power_on()
                central.on(central.EVENT_ADVERTISEMENT, self._on_advertisement)
                self._central = central
            return self._central

    async def add_scanner(self, scanner: BumbleScanner) -> None:
        """Start delivering advertisements to ``scanner`` (scanning starts with the first one)."""
        central = await self.central()
        async with self._scan_lock:
            if not self._scanners:
                await central.start_scanning(active=True, filter_duplicates=False)
            self._scanners.add(scanner)

    async def remove_scanner(self, scanner: BumbleScanner) -> None:
        """Stop delivering advertisements to ``scanner`` (scanning stops with the last one)."""
        async with self._scan_lock:
            self._scanners.discard(scanner)
            if not self._scanners and self._central is not None and self._central.is_scanning:
                await self._central.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        for scanner in list(self._scanners):
            scanner.on_advertisement(advertisement)


def parse_advertising_data(ad_structures: Sequence[tuple[int, bytes]], rssi: int) -> AdvertisementData:
    """bleak ``AdvertisementData`` from raw AD structures (type, payload)."""
    local_name: str | None = None
    service_uuids: list[str] = []
    service_data: dict[str, bytes] = {}
    manufacturer_data: dict[int, bytes] = {}
    tx_power: int | None = None
    for ad_type, payload in ad_structures:
        if ad_type in (0x08, 0x09) and (local_name is None or ad_type == 0x09):
            local_name = payload.decode("utf-8", errors="replace")
        elif 0x02 <= ad_type <= 0x07:
            size = (2, 2, 4, 4, 16, 16)[ad_type - 0x02]
            for i in range(0, len(payload) - size + 1, size):
                value = uuid_str(core.UUID.from_bytes(payload[i : i + size]))
                if value not in service_uuids:
                    service_uuids.append(value)
        elif ad_type in (0x16, 0x20, 0x21):
            size = {0x16: 2, 0x20: 4, 0x21: 16}[ad_type]
            service_data[uuid_str(core.UUID.from_bytes(payload[:size]))] = payload[size:]
        elif ad_type == 0xFF and len(payload) >= 2:
            manufacturer_data[struct.unpack_from("<H", payload)[0]] = payload[2:]
        elif ad_type == 0x0A and payload:
            tx_power = struct.unpack("b", payload[:1])[0]
    return AdvertisementData(
        local_name=local_name,
        manufacturer_data=manufacturer_data,
        service_data=service_data,
        service_uuids=service_uuids,
        tx_power=tx_power,
        rssi=rssi,
        platform_data=(),
    )


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend on the shared Bumble central of a ``BumbleLink``.

    Extra keyword argument ``bumble_link`` selects the link (default: ``BumbleLink.current()``).
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        *,
        bumble_link: BumbleLink | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._link = bumble_link

    async def start(self) -> None:
        """Start scanning (clears ``seen_devices``)."""
        self.seen_devices = {}
        if self._link is None:
            self._link = BumbleLink.current()
        await self._link.add_scanner(self)

    async def stop(self) -> None:
        """Stop scanning."""
        if self._link is not None:
            await self._link.remove_scanner(self)

    def on_advertisement(self, advertisement: Advertisement) -> None:
        """Turn one Bumble advertisement into bleak's device and advertisement data."""
        adv = parse_advertising_data(advertisement.data.ad_structures, advertisement.rssi)
        if not self.is_allowed_uuid(adv.service_uuids):
            return
        address = advertisement.address.to_string(with_type_qualifier=False)
        device = self.create_or_update_device(address, address, adv.local_name, advertisement.address, adv)
        self.call_detection_callbacks(device, adv)


class BumbleClient(BaseBleakClient):
    """bleak client backend connecting from the shared Bumble central of a ``BumbleLink``.

    Requests an ATT MTU of 247 after connecting, as phone and desktop stacks do. The disconnected
    callback runs only for disconnects the application did not ask for. Extra keyword argument
    ``bumble_link`` selects the link (default: ``BumbleLink.current()``).
    """

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        services: set[str] | None = None,
        bumble_link: BumbleLink | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._device = address_or_ble_device if isinstance(address_or_ble_device, BLEDevice) else None
        self._link = bumble_link
        self._services_filter = services
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._mtu = att.ATT_DEFAULT_MTU
        self._disconnecting = False
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        """Advertised name, or the address with dashes."""
        if self._device is not None and self._device.name:
            return self._device.name
        return self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """Negotiated ATT MTU."""
        return self._mtu

    @property
    def is_connected(self) -> bool:
        """True while the link is up."""
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, exchange MTU (247 requested), discover all services.

        Raises
        ------
        BleakDeviceNotFoundError
            If the address does not advertise within the timeout.
        TimeoutError
            If the connection is not established within the timeout.
        """
        if pair:
            logger.warning("the Bumble backend does not pair; connecting without pairing")
        if self._link is None:
            self._link = BumbleLink.current()
        central = await self._link.central()
        address = await self._resolve_address()
        async with self._link.connect_lock:
            try:
                connection = await central.connect(address, timeout=self._timeout)
            except core.TimeoutError as error:
                raise TimeoutError(f"connecting to {self.address} timed out") from error
            except core.BaseBumbleError as error:
                raise BleakError(f"connecting to {self.address} failed: {error}") from error
        self._connection = connection
        self._disconnecting = False
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            self._peer = Peer(connection)
            self._mtu = await self._call(self._peer.request_mtu(REQUESTED_MTU))
            await self._call(self._peer.discover_all())
            self.services = self._collect_services(self._peer)
        except BaseException:
            await self.disconnect()
            raise

    async def _resolve_address(self) -> Address:
        if self._device is not None and isinstance(self._device.details, Address):
            return self._device.details
        device = await BleakScanner.find_device_by_address(  # type: ignore[call-arg]
            self.address, timeout=self._timeout, backend=BumbleScanner, bumble_link=self._link
        )
        if device is None:
            raise BleakDeviceNotFoundError(self.address, f"{self.address} was not found")
        self._device = device
        return device.details

    def _collect_services(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for service in peer.services:
            service_uuid = uuid_str(service.uuid)
            if self._services_filter is not None and service_uuid not in self._services_filter:
                continue
            bleak_service = BleakGATTService(service, service.handle, service_uuid)
            collection.add_service(bleak_service)
            for characteristic in service.characteristics:
                properties: list[CharacteristicPropertyName] = [
                    name
                    for bit, name in CHARACTERISTIC_PROPERTIES.items()
                    if int(characteristic.properties) & bit
                ]
                bleak_characteristic = BleakGATTCharacteristic(
                    characteristic,
                    characteristic.handle,
                    uuid_str(characteristic.uuid),
                    properties,
                    lambda: self._mtu - 3,
                    bleak_service,
                )
                collection.add_characteristic(bleak_characteristic)
                for descriptor in characteristic.descriptors:
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor, descriptor.handle, uuid_str(descriptor.type), bleak_characteristic
                        )
                    )
        return collection

    def _on_disconnection(self, reason: int) -> None:
        requested = self._disconnecting
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        if not requested and self._disconnected_callback is not None:
            logger.info("%s disconnected (reason 0x%02X)", self.address, reason)
            self._disconnected_callback()

    async def disconnect(self) -> None:
        """Disconnect (no disconnected callback follows)."""
        connection = self._connection
        if connection is None:
            return
        self._disconnecting = True
        try:
            await connection.disconnect()
        except core.BaseBumbleError as error:
            logger.debug("disconnect from %s: %s", self.address, error)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Not supported: the emulated sensors need no pairing."""
        raise NotImplementedError("the Bumble backend does not pair")

    async def unpair(self) -> None:
        """Not supported: the emulated sensors need no pairing."""
        raise NotImplementedError("the Bumble backend does not pair")

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError(f"not connected to {self.address}")
        return self._peer

    async def _call(self, operation: Awaitable[_T]) -> _T:
        """Await a GATT operation; map ATT errors and a link lost mid-request to bleak errors."""
        try:
            return await operation
        except att.ATT_Error as error:
            raise BleakGATTProtocolError(error.error_code) from error
        except asyncio.CancelledError:
            # Bumble cancels a pending request when the link drops; only our caller may cancel us.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BleakError(f"{self.address} disconnected during a GATT request") from None

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic value."""
        return bytearray(await self._call(self._require_peer().read_value(characteristic.obj)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor value."""
        return bytearray(await self._call(self._require_peer().read_value(descriptor.obj)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a characteristic, with or without response."""
        peer = self._require_peer()
        await self._call(peer.write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        """Write a descriptor (with response)."""
        peer = self._require_peer()
        await self._call(peer.write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe (notifications preferred over indications)."""
        peer = self._require_peer()

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        await self._call(peer.subscribe(characteristic.obj, subscriber, prefer_notify=True))
        self._subscribers[characteristic.handle] = subscriber

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe."""
        subscriber = self._subscribers.pop(characteristic.handle, None)
        if subscriber is not None:
            await self._call(self._require_peer().unsubscribe(characteristic.obj, subscriber))


def bumble_backend(link: BumbleLink | None = None) -> BleBackend:
    """The Bumble backend for ``scan``/``find_sensor``/``Supervisor`` (default link: current)."""
    return BleBackend(BumbleScanner, BumbleClient, {} if link is None else {"bumble_link": link})
