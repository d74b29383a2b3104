"""Phones as live sources over Wi-Fi: phyphox (polled) and Sensor Logger (HTTP Push)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imuhinge.errors import InputError
from imuhinge.sources import PHONE_APPS
from imuhinge.sources.phone.source import PhoneSource
from imuhinge.sources.phone.stream import Sink

APPS = PHONE_APPS


@dataclass(frozen=True)
class PhoneTarget:
    """A phone to record, where it is worn and how to reach it.

    Attributes
    ----------
    placement : str
        ``upper_back`` or ``sacrum``.
    app : str
        ``phyphox`` (polled at ``host:port``) or ``sensorlogger`` (pushes to a receiver listening
        on ``host:port``).
    host, port : str, int
        The phone's address (phyphox) or the address to listen on (Sensor Logger).
    token : str, optional
        Sensor Logger: the token of the push URL (default: a new random one).
    """

    placement: str
    app: str
    host: str
    port: int
    token: str | None = None

    def __post_init__(self) -> None:
        if self.app not in APPS:
            raise InputError(f"unknown phone app {self.app!r} (known: {', '.join(APPS)})")


def parse_address(text: str, option: str, default_port: int) -> tuple[str, int]:
    """``HOST[:PORT]`` as host and port.

    Raises
    ------
    InputError
        Not an address.
    """
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host, port_text = port_text, str(default_port)
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not host or not 0 <= port <= 65535 or any(c.isspace() for c in host):
        raise InputError(f"{option}: expected HOST:PORT, got {text!r}")
    return host.strip("[]"), port


def phone_source(target: PhoneTarget, sink: Sink, **kwargs: Any) -> PhoneSource:
    """The live source for a phone target (``PhyphoxSource`` or ``SensorLoggerSource``)."""
    if target.app == "phyphox":
        from imuhinge.sources.phone.phyphox import PhyphoxSource

        return PhyphoxSource(target.placement, target.host, target.port, sink, **kwargs)
    from imuhinge.sources.phone.sensorlogger import SensorLoggerSource

    return SensorLoggerSource(target.placement, target.host, target.port, sink, token=target.token, **kwargs)
