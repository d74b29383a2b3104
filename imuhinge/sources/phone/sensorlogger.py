"""A phone running Sensor Logger, pushing its data to a receiver on this computer (HTTP Push).

Sensor Logger posts JSON batches, ``{"messageId", "sessionId", "deviceId", "payload": [{"name",
"time", "values": {"x", "y", "z"}}, ...]}``, once per batch period, to the URL typed into the app.
The receiver:

- only accepts posts to its URL with a random per-session token (``/push/<token>``): anyone else on
  the network gets 401 (no token) or 403 (a wrong one), and a second phone 409;
- reads at most ``max_body_bytes`` of a body (413 beyond), needs a ``Content-Length`` (411), answers
  405 to other methods, 415 to other content types, 400 to malformed JSON or a malformed message;
  every refusal is a log line, and a refused post contributes nothing;
- checks a whole message before taking any of it, then hands it on in ``messageId`` order: a message
  that arrives early waits (at most ``hold_s``) for the ones before it; repeats and messages that
  arrive after their turn was given up are dropped;
- takes ``totalacceleration`` (Android) as the acceleration, or ``accelerometer`` + ``gravity``
  (iOS: both with the inertial-force sign of the app's default settings, so their sum is negated),
  and ``gyroscope``; ``time`` is the phone's clock (Unix nanoseconds).

Sensor Logger does not send again what it could not deliver, so pushes lost to a Wi-Fi drop are a
gap in the recording, marked by the phone's clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import socket
import string
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.motion import Series, series_at
from imuhinge.sources.phone.http import HttpServer, Request, Response, error_response
from imuhinge.sources.phone.source import PhoneLostError, PhoneSource, PhoneState
from imuhinge.sources.phone.stream import Sink

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024
HOLD_S = 0.4
TICK_S = 0.05
TOKEN_LENGTH = 10
PUSH_PATH = "/push/"
IMU_NAMES = ("totalacceleration", "accelerometer", "gravity", "gyroscope")
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


class MessageError(ValueError):
    """A push that is not a Sensor Logger message this receiver can use."""


@dataclass
class PushMessage:
    """One checked message: identity and the IMU readings it carries (phone time in ns)."""

    message_id: int
    session_id: str
    device_id: str
    readings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def new_token() -> str:
    """A random token that is easy to type on a phone (lower-case letters and digits)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def lan_address() -> str:
    """This computer's address on the local network (the one a route out would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP: sets the route, sends nothing
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, or a string of one (as some exports write
    them), else None (booleans, other types, NaN and infinities included)."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def parse_message(body: bytes) -> PushMessage:
    """Check a pushed body and take out the IMU readings.

    Raises
    ------
    MessageError
        Not JSON, not a message, or an IMU entry without a finite ``time`` and ``x``, ``y``, ``z``.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MessageError("body is not JSON") from None
    if not isinstance(data, dict):
        raise MessageError("message is not a JSON object")
    message_id = data.get("messageId")
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 0:
        raise MessageError("messageId is not a whole number")
    session, device = data.get("sessionId", ""), data.get("deviceId", "")
    if not isinstance(session, str) or not isinstance(device, str):
        raise MessageError("sessionId and deviceId must be strings")
    payload = data.get("payload")
    if not isinstance(payload, list):
        raise MessageError("payload is not a list")
    rows: dict[str, list[tuple[float | None, ...]]] = {}
    for k, entry in enumerate(payload):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise MessageError(f"payload entry {k} has no name")
        name = entry["name"].lower()
        if name not in IMU_NAMES:
            continue  # location, battery...: not ours
        values, time_ns = entry.get("values"), _finite(entry.get("time"))
        if time_ns is None or time_ns < 0:
            raise MessageError(f"payload entry {k} ({name}) has no valid time")
        axes = [_finite(values.get(a)) for a in "xyz"] if isinstance(values, dict) else []
        if len(axes) != 3 or None in axes:
            raise MessageError(f"payload entry {k} ({name}) has no finite x, y and z")
        rows.setdefault(name, []).append((time_ns, *axes))
    readings = {}
    for name, entries in rows.items():
        array = np.array(entries, dtype=float)
        readings[name] = (array[:, 0], array[:, 1:])
    return PushMessage(message_id, session, device, readings)


def acceleration(message: PushMessage) -> tuple[np.ndarray, np.ndarray] | None:
    """Specific force (gravity included) of a message: Android's total, or iOS's acceleration plus
    gravity, negated for the inertial-force sign (see the module docstring); None without it."""
    if "totalacceleration" in message.readings:
        return message.readings["totalacceleration"]
    if "accelerometer" in message.readings and "gravity" in message.readings:
        (t_acc, acc), (t_grav, grav) = message.readings["accelerometer"], message.readings["gravity"]
        order = np.argsort(t_grav, kind="stable")
        covered, gravity = series_at(t_acc, Series(t_grav[order], grav[order]))
        return t_acc[covered], -(acc[covered] + gravity)
    return None


class MessageOrder:
    """Hand messages on in ``messageId`` order (see the module docstring).

    Parameters
    ----------
    hold_s : float
        Longest time a message waits for the ones before it.
    """

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self.duplicates = 0
        self.reordered = 0
        self.skipped = 0
        self._next: int | None = None
        self._session: str | None = None
        self._ended: set[str] = set()
        self._held: dict[int, tuple[PushMessage, float]] = {}

    def add(self, message: PushMessage, now_s: float) -> list[tuple[PushMessage, float]]:
        """Take a message; returns the messages (with their arrival times) now in turn."""
        out: list[tuple[PushMessage, float]] = []
        if message.session_id in self._ended:
            self.duplicates += 1  # a straggler of a session that has ended
            return out
        if message.session_id != self._session:
            out = self.drain()
            if self._session is not None:
                self._ended.add(self._session)
            self._session, self._next = message.session_id, message.message_id
        assert self._next is not None
        if message.message_id < self._next or message.message_id in self._held:
            self.duplicates += 1
            return out
        if message.message_id > self._next:
            self.reordered += 1
        self._held[message.message_id] = (message, now_s)
        return out + self._release()

    def due(self, now_s: float) -> list[tuple[PushMessage, float]]:
        """Give up waiting for missing messages once the oldest waiting one is ``hold_s`` old."""
        if not self._held or min(a for _, a in self._held.values()) > now_s - self.hold_s:
            return []
        first = min(self._held)
        assert self._next is not None
        self.skipped += first - self._next
        self._next = first
        return self._release()

    def drain(self) -> list[tuple[PushMessage, float]]:
        """Everything waiting, in order (at the end of a session)."""
        out = [self._held[k] for k in sorted(self._held)]
        if out:
            self._next = max(self._held) + 1
        self._held = {}
        return out

    def _release(self) -> list[tuple[PushMessage, float]]:
        out: list[tuple[PushMessage, float]] = []
        while self._next in self._held:
            out.append(self._held.pop(self._next))
            self._next += 1
        return out


class SensorLoggerSource(PhoneSource):
    """Receive Sensor Logger's HTTP Push (see the module docstring).

    Parameters
    ----------
    placement : str
        Where the phone is worn.
    host, port : str, int
        Where to listen (``0.0.0.0`` for the local network; port 0 for any free one).
    sink : callable
        Receives every ``SampleBlock``.
    token : str, optional
        The URL's token (default: a new random one).
    max_body_bytes : int
        Largest body accepted.
    hold_s : float
        Longest wait for a message that arrives late.
    **kwargs
        As for ``PhoneSource`` (clock, on_status, max_outage_s).
    """

    def __init__(
        self,
        placement: str,
        host: str,
        port: int,
        sink: Sink,
        *,
        token: str | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        hold_s: float = HOLD_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(placement, sink, **kwargs)
        self.host, self.port = host, port
        self.token = token or new_token()
        self.order = MessageOrder(hold_s)
        self.accepted = 0
        self.refused: dict[int, int] = {}
        self.listening = asyncio.Event()
        """Set once the receiver listens (``port`` is then the bound port)."""
        self._server = HttpServer(self._handle, max_body_bytes, on_refusal=self._refusal)
        self._device: str | None = None
        self._session: str | None = None
        self._base_ns = 0.0
        self._without_gravity = 0
        self._failure: Exception | None = None

    def url(self, host: str | None = None) -> str:
        """The push URL to type into Sensor Logger (this computer's LAN address by default)."""
        if host is None:
            host = lan_address() if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{PUSH_PATH}{self.token}"

    def _refusal(self, peer: str, status: int, reason: str) -> None:
        self.refused[status] = self.refused.get(status, 0) + 1
        logger.warning("%s: refused a push from %s: %d %s", self.placement, peer, status, reason)

    def _refuse(self, request: Request, status: int, reason: str) -> Response:
        self._refusal(request.peer, status, reason)
        response = error_response(status, reason)
        if status == 405:
            response.headers["Allow"] = "POST"
        return response

    async def _handle(self, request: Request) -> Response:
        path = request.path
        if not path.startswith(PUSH_PATH.rstrip("/")):
            return self._refuse(request, 404, f"nothing at {path[:60]!r}")
        given = path[len(PUSH_PATH) :] if path.startswith(PUSH_PATH) else ""
        if not given:
            return self._refuse(request, 401, "no token in the URL")
        if not secrets.compare_digest(given.encode("utf-8", "replace"), self.token.encode()):
            return self._refuse(request, 403, "wrong token")
        if request.method != "POST":
            return self._refuse(request, 405, f"{request.method[:10]} is not POST")
        content_type = request.headers.get("content-type", "application/json").lower()
        if not content_type.startswith(("application/json", "text/plain")):
            return self._refuse(request, 415, f"content type {content_type[:40]!r} is not JSON")
        try:
            message = parse_message(request.body)
        except MessageError as exc:
            return self._refuse(request, 400, str(exc))
        if self._device is not None and message.device_id != self._device:
            return self._refuse(request, 409, "a second phone: this receiver records one (start another)")
        if self._device is None:
            self._device = message.device_id
            self.status.device = f"Sensor Logger, device {message.device_id[:12] or '?'} (port {self.port})"
        self.accepted += 1
        try:
            self._take(self.order.add(message, self.now_s()))
        except Exception as exc:  # the recording behind the receiver failed: end the source with it
            self._failure = exc
            self.stop()
            return error_response(503, "the recording stopped")
        return Response(200, b'{"result": true}')

    def _take(self, messages: list[tuple[PushMessage, float]]) -> None:
        for message, arrival_s in messages:
            if message.session_id != self._session:
                if self._session is not None:
                    self.stream.restart()
                self._session, self._base_ns = message.session_id, math.nan
            acc, gyr = acceleration(message), message.readings.get("gyroscope")
            if acc is None:
                self._without_gravity += len(message.readings.get("accelerometer", ((), ()))[0])
            times = [t for r in (acc, gyr) if r is not None for t in r[0][:1]]
            if not times:
                continue
            if math.isnan(self._base_ns):
                self._base_ns = min(times)

            def series(reading: tuple[np.ndarray, np.ndarray] | None) -> Series:
                if reading is None:
                    return Series(np.empty(0), np.empty((0, 3)))
                return Series((reading[0] - self._base_ns) * 1e-9, reading[1])

            self.stream.add(series(acc), series(gyr), arrival_s)
            self._data_arrived()

    def _check(self, what: str) -> None:
        super()._check(what)
        if self._without_gravity and not self.stream.stats.acc_samples and self.now_s() > 5.0:
            raise PhoneLostError(
                f"{self.placement}: Sensor Logger sends acceleration without gravity; orientation needs "
                "gravity: enable Gravity in Sensor Logger (iOS) or keep its total acceleration (Android)"
            )

    async def run(self) -> None:
        """Listen until ``stop()``.

        Raises
        ------
        InputError
            The address cannot be listened on (taken, or not this computer's).
        PhoneLostError
            No pushes for longer than ``max_outage_s``, or no usable acceleration.
        """
        self._start_clock()
        try:
            self.host, self.port = await self._server.start(self.host, self.port)
        except OSError as exc:
            raise InputError(
                f"--listen {self.host}:{self.port}: cannot listen: {exc.strerror or exc}"
            ) from None
        self.listening.set()
        self.status.device = f"Sensor Logger (listening on port {self.port})"
        self.status.hint = (
            f"in Sensor Logger (gear icon on the Logger page) turn on HTTP Push with the URL {self.url()} "
            "and start a recording"
        )
        self._set_state(PhoneState.WAITING, announce=True)
        try:
            while not await self._pause(TICK_S):
                self._take(self.order.due(self.now_s()))
                silent = self.ready.is_set() and self.now_s() - self._last_data_s > 1.0
                if silent:
                    self._set_state(PhoneState.RECONNECTING, "no pushes")
                self._check("no pushes from the phone")
        finally:
            await self._server.close()
            if self._failure is None:
                self._take(self.order.drain())
                self.stream.close()
            self._set_state(PhoneState.STOPPED)
        if self._failure is not None:
            raise self._failure
