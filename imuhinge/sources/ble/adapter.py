"""The Bluetooth adapter: when there is none to use, one clear line instead of the stack's errors.

Without an adapter the platform stack fails in its own ways: on Linux, no D-Bus system bus (its socket
is missing), no BlueZ service on the bus, or BlueZ with no adapter, none for Bluetooth Low Energy, or
one switched off; elsewhere bleak says that Bluetooth is not available and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from imuhinge.errors import DeviceError

NO_ADAPTER = "no Bluetooth adapter found"
WITHOUT_ONE = "without one: record from a phone (--phone) or try --simulate"
# D-Bus errors that mean nobody on the system bus answers for BlueZ.
NO_BLUEZ = ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner")

_REASONS = {
    BleakBluetoothNotAvailableReason.NO_BLUETOOTH: f"{NO_ADAPTER}: the system has none",
    BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE: (
        f"{NO_ADAPTER}: none can scan for Bluetooth Low Energy sensors (central role)"
    ),
    BleakBluetoothNotAvailableReason.POWERED_OFF: "Bluetooth is turned off: turn it on and try again",
}


def adapter_error(exc: BaseException) -> DeviceError | None:
    """The one-line error for an exception that means no Bluetooth adapter can be used.

    Parameters
    ----------
    exc : BaseException
        What the platform's Bluetooth stack raised when scanning started.

    Returns
    -------
    DeviceError or None
        None when the exception means something else (it is then the caller's to handle).
    """
    if isinstance(exc, BleakBluetoothNotAvailableError):
        text = _REASONS.get(exc.reason, f"Bluetooth is not available: {exc.args[0]}")
        return DeviceError(f"{text} ({WITHOUT_ONE})")
    if isinstance(exc, BleakDBusError) and exc.dbus_error in NO_BLUEZ:
        return DeviceError(f"{NO_ADAPTER}: the Bluetooth service (BlueZ) is not running ({WITHOUT_ONE})")
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        # bleak reaches BlueZ over the D-Bus system bus; its socket is missing or nobody listens.
        return DeviceError(f"{NO_ADAPTER}: no D-Bus system bus to reach BlueZ on ({WITHOUT_ONE})")
    return None


@contextmanager
def adapter_errors() -> Iterator[None]:
    """Around the start of a scan: turn 'no adapter to use' into one clear ``DeviceError``."""
    try:
        yield
    except (BleakError, OSError) as exc:
        error = adapter_error(exc)
        if error is None:
            raise
        raise error from None
