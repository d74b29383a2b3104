"""Device profiles (one module each) and the registry that recognises them in advertisements."""

from __future__ import annotations

from imuhinge.errors import InputError
from imuhinge.sources.ble.profiles.base import (
    ClockModel,
    DecodedPacket,
    DeviceProfile,
    PacketError,
    Write,
)
from imuhinge.sources.ble.profiles.diy import DiyProfile
from imuhinge.sources.ble.profiles.polar_pmd import PolarPmdProfile
from imuhinge.sources.ble.profiles.thingy52 import Thingy52Profile
from imuhinge.sources.ble.profiles.witmotion import WitMotionProfile

PROFILES: dict[str, type[DeviceProfile]] = {
    p.name: p for p in (DiyProfile, WitMotionProfile, PolarPmdProfile, Thingy52Profile)
}

__all__ = [
    "PROFILES",
    "ClockModel",
    "DecodedPacket",
    "DeviceProfile",
    "DiyProfile",
    "PacketError",
    "PolarPmdProfile",
    "Thingy52Profile",
    "WitMotionProfile",
    "Write",
    "get_profile",
    "profile_for_advertisement",
]


def profile_for_advertisement(local_name: str | None, service_uuids: list[str]) -> DeviceProfile | None:
    """The default-configured profile of the first supported device this advertisement matches.

    Parameters
    ----------
    local_name : str or None
        Advertised local name.
    service_uuids : list of str
        Advertised service UUIDs.

    Returns
    -------
    DeviceProfile or None
        None when the advertiser is not a supported sensor.
    """
    for cls in PROFILES.values():
        profile = cls.from_advertisement(local_name, service_uuids)
        if profile is not None:
            return profile
    return None


def get_profile(name: str) -> DeviceProfile:
    """The default-configured profile registered as ``name``.

    Raises
    ------
    InputError
        If no profile has that name.
    """
    try:
        return PROFILES[name]()
    except KeyError:
        known = ", ".join(PROFILES)
        raise InputError(f"unknown sensor profile {name!r} (known: {known})") from None
