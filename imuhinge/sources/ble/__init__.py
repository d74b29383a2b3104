"""BLE sensors: device profiles, clock and gap handling, streaming, supervisor, virtual sensors."""

from imuhinge.errors import DeviceError


def require_ble() -> None:
    """Raise a clear error when the ``ble`` extra (bleak, bumble) is not installed."""
    try:
        import bleak  # noqa: F401
        import bumble  # noqa: F401
    except ImportError as exc:
        raise DeviceError(
            f"recording needs the Bluetooth packages ({exc.name} is missing): pip install 'imuhinge[ble]'"
        ) from None
