"""Find supported sensors nearby: profile, name, address, RSSI."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner

from imuhinge.sources.ble.adapter import adapter_errors
from imuhinge.sources.ble.profiles import profile_for_advertisement
from imuhinge.sources.ble.profiles.base import DeviceProfile


@dataclass(frozen=True)
class BleBackend:
    """bleak backend classes and their extra keyword arguments (None: the platform's own).

    ``imuhinge.sources.emulated.bumble_backend.bumble_backend(link)`` gives the emulated one.
    """

    scanner: type[BaseBleakScanner] | None = None
    client: type[BaseBleakClient] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def scanner_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``BleakScanner``."""
        return {"backend": self.scanner, **self.kwargs} if self.scanner else dict(self.kwargs)

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``BleakClient``."""
        return {"backend": self.client, **self.kwargs} if self.client else dict(self.kwargs)


@dataclass(frozen=True)
class FoundSensor:
    """A supported sensor seen in an advertisement."""

    profile: DeviceProfile
    name: str | None
    address: str
    rssi: int
    device: BLEDevice

    @property
    def description(self) -> str:
        """``Model (address)``, the form used in recording metadata."""
        return f"{self.profile.title} ({self.address})"


def _matches(
    found: FoundSensor,
    name: str | None,
    address: str | None,
    profile: str | None,
    exclude: Collection[str],
) -> bool:
    if found.address.lower() in {a.lower() for a in exclude}:
        return False
    if address is not None and found.address.lower() != address.lower():
        return False
    if name is not None and found.name != name:
        return False
    return profile is None or found.profile.name == profile


async def scan(timeout_s: float = 5.0, *, backend: BleBackend | None = None) -> list[FoundSensor]:
    """List the supported sensors advertising nearby, strongest signal first.

    Parameters
    ----------
    timeout_s : float
        How long to listen.
    backend : BleBackend, optional
        bleak backend (default: the platform's).

    Returns
    -------
    list of FoundSensor

    Raises
    ------
    DeviceError
        If there is no Bluetooth adapter to scan with (or it is switched off).
    """
    backend = backend or BleBackend()
    with adapter_errors():
        seen = await BleakScanner.discover(timeout_s, return_adv=True, **backend.scanner_kwargs())
    found = []
    for device, adv in seen.values():
        profile = profile_for_advertisement(adv.local_name, adv.service_uuids)
        if profile is not None:
            found.append(FoundSensor(profile, adv.local_name, device.address, adv.rssi, device))
    return sorted(found, key=lambda f: -f.rssi)


async def find_sensor(
    *,
    name: str | None = None,
    address: str | None = None,
    profile: str | None = None,
    exclude: Collection[str] = (),
    timeout_s: float = 10.0,
    backend: BleBackend | None = None,
) -> FoundSensor | None:
    """The first supported sensor advertising that matches, or None after ``timeout_s``.

    Sensors without a gyroscope (Polar H10) are skipped unless asked for by name or address.

    Parameters
    ----------
    name, address, profile : str, optional
        Advertised name, address, or profile name to match; any supported sensor when all None.
    exclude : collection of str
        Addresses already taken (by another placement).
    timeout_s : float
        How long to scan.
    backend : BleBackend, optional
        bleak backend (default: the platform's).

    Raises
    ------
    DeviceError
        If there is no Bluetooth adapter to scan with (or it is switched off).
    """
    backend = backend or BleBackend()
    with adapter_errors():
        async with BleakScanner(**backend.scanner_kwargs()) as scanner:
            try:
                async with asyncio.timeout(timeout_s):
                    async for device, adv in scanner.advertisement_data():
                        found_profile = profile_for_advertisement(adv.local_name, adv.service_uuids)
                        if found_profile is None:
                            continue
                        found = FoundSensor(found_profile, adv.local_name, device.address, adv.rssi, device)
                        if not _matches(found, name, address, profile, exclude):
                            continue
                        if found_profile.has_gyro or name is not None or address is not None:
                            return found
            except TimeoutError:
                return None
    return None
