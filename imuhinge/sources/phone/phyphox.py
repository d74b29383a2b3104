"""A phone running phyphox, polled over its remote-access interface.

phyphox (open source, Android and iOS) serves its experiment's data buffers over HTTP once remote
access is enabled. The poller:

- reads ``/config`` to find the accelerometer's and the gyroscope's buffers (any experiment that
  records both works; ``firmware_notes/phone/imuhinge.phyphox`` is made for this) and ``/meta`` to
  name the phone;
- clears and starts the measurement (``/control?cmd=clear``, ``cmd=start``) and stops it at the end;
- every ``poll_interval_s`` asks ``/get`` for the samples newer than the last time it has, in
  phyphox's ``buffer=<last time>|<time buffer>`` form, so every answer is small and nothing is
  asked twice;
- maps experiment time (which stops while the measurement is paused on the phone) to the phone's
  clock with the START events of ``/time``.

phyphox keeps the whole measurement on the phone, so after a Wi-Fi drop the next ``/get`` fetches
everything since the last answer: the drop delays the data, it does not lose them. A new session
id (the measurement cleared on the phone) restarts the phone's clock. Every request uses its own
connection (no keep-alive).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.motion import Series
from imuhinge.io.imports.phyphox import phone_time_s
from imuhinge.sources.phone.http import HttpError, request
from imuhinge.sources.phone.source import PhoneSource, PhoneState
from imuhinge.sources.phone.stream import Sink

DEFAULT_PORT = 8080
POLL_INTERVAL_S = 0.2
BACKOFF_S = (0.2, 0.5, 1.0)


class UnusableAnswerError(HttpError):
    """phyphox answered, but not with what was asked for (an error status, not JSON)."""


@dataclass(frozen=True)
class SensorBuffers:
    """The names of one sensor's buffers in the experiment: time and the three axes."""

    time: str
    x: str
    y: str
    z: str


DEFAULT_BUFFERS = {
    "acc": SensorBuffers("acc_time", "accX", "accY", "accZ"),
    "gyr": SensorBuffers("gyr_time", "gyrX", "gyrY", "gyrZ"),
}


def buffers_from_config(config: Any) -> dict[str, SensorBuffers]:
    """The accelerometer's and gyroscope's buffers from a ``/config`` answer.

    Raises
    ------
    InputError
        The experiment does not record acceleration with g and the gyroscope (with what to do).
    """
    found: dict[str, dict[str, str]] = {}
    inputs = config.get("inputs") if isinstance(config, dict) else None
    for item in inputs if isinstance(inputs, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("outputs"), list):
            continue
        outputs = {
            k: v
            for out in item["outputs"]
            if isinstance(out, dict)
            for k, v in out.items()
            if isinstance(v, str)
        }
        found.setdefault(str(item.get("source")), outputs)
    advice = "load the imuhinge experiment (firmware_notes/phone/imuhinge.phyphox) in phyphox"
    if "accelerometer" not in found:
        what = (
            "linear acceleration (without gravity)" if "linear_acceleration" in found else "no accelerometer"
        )
        raise InputError(f"the phyphox experiment records {what}; orientation needs gravity: {advice}")
    if "gyroscope" not in found:
        raise InputError(f"the phyphox experiment records no gyroscope; trunk angles need one: {advice}")
    out = {}
    for key, source in (("acc", "accelerometer"), ("gyr", "gyroscope")):
        names = found[source]
        if not all(k in names for k in ("t", "x", "y", "z")):
            raise InputError(f"the phyphox experiment's {source} has no time, x, y and z buffers: {advice}")
        out[key] = SensorBuffers(names["t"], names["x"], names["y"], names["z"])
    return out


def _numbers(value: Any, what: str) -> np.ndarray:
    if not isinstance(value, list) or not all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in value
    ):
        raise HttpError(f"phyphox answer: buffer {what} is not a list of numbers")
    return np.array(value, dtype=float)


def _series(data: dict[str, Any], names: SensorBuffers) -> Series:
    """One sensor's new samples from a ``/get`` answer (rows cut to the shortest buffer)."""
    columns = []
    for name in (names.time, names.x, names.y, names.z):
        entry = data.get(name)
        if not isinstance(entry, dict):
            raise HttpError(f"phyphox answer: no buffer {name}")
        columns.append(_numbers(entry.get("buffer"), name))
    n = min(len(c) for c in columns)
    return Series(columns[0][:n], np.column_stack([c[:n] for c in columns[1:]]))


class PhyphoxSource(PhoneSource):
    """Poll a phone running phyphox (see the module docstring).

    Parameters
    ----------
    placement : str
        Where the phone is worn.
    host : str
        The phone's address, as phyphox shows it under "Allow remote access".
    port : int
        Its port (8080 on Android; iOS shows 80 or 8080).
    sink : callable
        Receives every ``SampleBlock``.
    poll_interval_s : float
        Time from one poll to the next (a steady cadence, whatever each poll takes).
    timeout_s : float
        Longest wait for an answer.
    control : bool
        Clear and start the measurement at the beginning and stop it at the end.
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
        poll_interval_s: float = POLL_INTERVAL_S,
        timeout_s: float = 2.0,
        control: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(placement, sink, **kwargs)
        self.host, self.port = host, port
        self.poll_interval_s = poll_interval_s
        self.timeout_s = timeout_s
        self.control = control
        self.polls = 0
        self.failed_polls = 0
        self._buffers: dict[str, SensorBuffers] | None = None
        self._last = {"acc": -math.inf, "gyr": -math.inf}
        self._session: str | None = None
        self._measuring: bool | None = None
        self._starts: tuple[np.ndarray, np.ndarray] | None = None
        self._started = False

    @property
    def address(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    async def _get_json(self, target: str) -> Any:
        status, body = await request("GET", self.host, self.port, target, timeout_s=self.timeout_s)
        path = target.split("?")[0]
        if status != 200:
            raise UnusableAnswerError(f"phyphox answered {status} to {path}")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise UnusableAnswerError(f"phyphox answered {path} with something that is not JSON") from None

    async def _setup(self) -> None:
        try:
            config = await self._get_json("/config")
        except UnusableAnswerError:
            config = None  # an older phyphox without /config: the imuhinge experiment's buffers
        try:
            meta = await self._get_json("/meta")
        except UnusableAnswerError:
            meta = {}
        self._buffers = dict(DEFAULT_BUFFERS) if config is None else buffers_from_config(config)
        words = [meta.get(k) for k in ("deviceBrand", "deviceModel")] if isinstance(meta, dict) else []
        device = " ".join(w for w in dict.fromkeys(words) if isinstance(w, str) and w)
        self.status.device = (
            f"phyphox on {device} ({self.address})" if device else f"phyphox ({self.address})"
        )

    async def _command(self, cmd: str) -> None:
        answer = await self._get_json(f"/control?cmd={cmd}")
        if cmd == "start" and not (isinstance(answer, dict) and answer.get("result") is True):
            raise InputError(f"phyphox at {self.address} refused to start the measurement")

    async def _read_starts(self) -> None:
        """START events of ``/time``: experiment time and phone time of each start (none: identity)."""
        try:
            events = await self._get_json("/time")
        except UnusableAnswerError:
            events = None
        starts = [
            (float(e["experimentTime"]), float(e["systemTime"]))
            for e in (events if isinstance(events, list) else [])
            if isinstance(e, dict)
            and e.get("event") == "START"
            and all(isinstance(e.get(k), int | float) for k in ("experimentTime", "systemTime"))
        ]
        self._starts = (
            (np.array([s[0] for s in starts]), np.array([s[1] for s in starts])) if starts else None
        )

    def _phone_series(self, series: Series) -> Series:
        if self._starts is None:
            return series
        return Series(phone_time_s(series.time_s, self._starts), series.xyz)

    async def _poll(self) -> None:
        assert self._buffers is not None
        parts = []
        for key, names in self._buffers.items():
            last = self._last[key]
            since = quote(repr(last), safe=".-+e") if math.isfinite(last) else "full"
            reference = f"%7C{names.time}" if math.isfinite(last) else ""
            parts += [f"{b}={since}{reference}" for b in (names.x, names.y, names.z)]
            parts.append(f"{names.time}={since}")
        answer = await self._get_json("/get?" + "&".join(parts))
        arrival_s = self.now_s()
        self.polls += 1
        if not isinstance(answer, dict) or not isinstance(answer.get("buffer"), dict):
            raise HttpError("phyphox answer without buffers")
        status_entry = answer.get("status")
        status = status_entry if isinstance(status_entry, dict) else {}
        session, measuring = status.get("session"), status.get("measuring")
        acc, gyr = (_series(answer["buffer"], self._buffers[k]) for k in ("acc", "gyr"))
        if isinstance(session, str) and self._session is not None and session != self._session:
            self._new_session()
            return  # ask again from the start of the new session
        self._session = session if isinstance(session, str) else self._session
        if measuring is True and self._measuring is False:
            await self._read_starts()  # measuring again after a pause: a new START event
        self._measuring = measuring if isinstance(measuring, bool) else self._measuring
        for key, series in (("acc", acc), ("gyr", gyr)):
            times = series.time_s[np.isfinite(series.time_s)]
            if len(times):
                self._last[key] = max(self._last[key], float(times.max()))
        if len(acc) or len(gyr):
            self.stream.add(self._phone_series(acc), self._phone_series(gyr), arrival_s)
            self._data_arrived()

    def _new_session(self) -> None:
        self.stream.restart()
        self._session = None
        self._last = {"acc": -math.inf, "gyr": -math.inf}
        self._starts = None
        self._measuring = None

    async def _step(self) -> None:
        if self._buffers is None:
            await self._setup()
        if self.control and not self._started:
            await self._command("clear")
            await self._command("start")
            self._started = True
        if self._starts is None:
            await self._read_starts()
        await self._poll()

    async def run(self) -> None:
        """Poll until ``stop()``.

        Raises
        ------
        InputError
            The experiment lacks the sensors, or phyphox refuses to start.
        PhoneLostError
            The phone stayed away longer than ``max_outage_s``.
        """
        self._start_clock()
        self.status.hint = (
            f"run the imuhinge experiment in phyphox with remote access allowed ({self.address}); "
            "the measurement is started and stopped from here"
        )
        self._set_state(PhoneState.WAITING, announce=True)
        failures = 0
        due_s = self.now_s()
        try:
            while not self._stop.is_set():
                try:
                    await self._step()
                    failures = 0
                    # A steady cadence: the next poll is due one interval after this one was.
                    due_s = max(due_s + self.poll_interval_s, self.now_s())
                    delay_s = due_s - self.now_s()
                except HttpError as exc:
                    self.failed_polls += 1
                    state = PhoneState.RECONNECTING if self.ready.is_set() else PhoneState.WAITING
                    self._set_state(state, str(exc))
                    delay_s = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                    due_s = self.now_s() + delay_s
                    failures += 1
                self._check("the phone did not answer" if failures else "no new data from the phone")
                if await self._pause(delay_s):
                    break
        finally:
            await self._finish()

    async def _finish(self) -> None:
        if self._buffers is not None:
            try:
                await self._poll()  # the samples taken since the last poll
                if self.control and self._started:
                    await self._command("stop")
            except (HttpError, InputError):
                pass  # the phone is gone: what arrived is kept
        self.stream.close()
        self._set_state(PhoneState.STOPPED)
