"""An emulated phone running phyphox: its remote-access interface on loopback, driven by the simulator.

It serves what the real app serves to a remote client, as far as the poller uses it: ``/config``
(the inputs of the imuhinge experiment), ``/meta``, ``/time`` (START and PAUSE events),
``/control?cmd=start|stop|clear`` and ``/get`` with phyphox's ``<threshold>|<time buffer>`` form,
numbers written with eight significant digits as phyphox writes them. The phone measures the
motion on the set's timeline from the moment it is started until it is stopped; while a Wi-Fi drop
lasts, connections are closed without an answer, and the samples wait on the phone.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from imuhinge.sources.emulated.phone.exports import START_UNIX_S
from imuhinge.sources.emulated.phone.faults import PhoneFaults
from imuhinge.sources.emulated.phone.sampling import PhoneMotion
from imuhinge.sources.emulated.time_base import EmulatedTime
from imuhinge.sources.phone.http import HttpServer, Request, Response, error_response
from imuhinge.sources.phone.phyphox import DEFAULT_BUFFERS, SensorBuffers


def _eight_digits(values: np.ndarray) -> list[str]:
    """Numbers as phyphox's ``/get`` writes them (``0.#######E0``); NaN as ``null``."""
    out = []
    for v in values.tolist():
        if not math.isfinite(v):
            out.append("null")
            continue
        mantissa, exponent = f"{v:.7E}".split("E")
        out.append(f"{mantissa.rstrip('0').rstrip('.')}E{int(exponent)}")
    return out


class EmulatedPhyphox:
    """A phone running phyphox with remote access on (see the module docstring).

    Parameters
    ----------
    motion : PhoneMotion
        The phone's samples; motion time 0 is the set's time 0.
    time : EmulatedTime
        The emulated world's clock.
    faults : PhoneFaults, optional
    origin_s : float, optional
        Emulated time of the set's time 0 (phones and sensors on one body share it); by default
        the moment the measurement is first started.
    buffers : dict, optional
        The experiment's buffer names (default: those of the imuhinge experiment).
    """

    def __init__(
        self,
        motion: PhoneMotion,
        time: EmulatedTime,
        faults: PhoneFaults | None = None,
        origin_s: float | None = None,
        buffers: dict[str, SensorBuffers] | None = None,
    ) -> None:
        self.motion = motion
        self.time = time
        self.faults = faults or PhoneFaults()
        self.origin_s = origin_s
        chosen = buffers or DEFAULT_BUFFERS
        self.names = {
            source: {"t": b.time, "x": b.x, "y": b.y, "z": b.z}
            for source, b in (("accelerometer", chosen["acc"]), ("gyroscope", chosen["gyr"]))
        }
        self.inputs = [
            {"source": source, "outputs": [{k: v} for k, v in names.items()]}
            for source, names in self.names.items()
        ]
        self.done = asyncio.Event()
        """Set when the set has been measured to its end."""
        self.requests = 0
        self.dropped_connections = 0
        self._server = HttpServer(self._handle, max_body_bytes=1 << 20)
        self._session = secrets.token_hex(3)
        self._measuring = False
        self._events: list[dict[str, Any]] = []
        self._from_s = 0.0  # set time of experiment time 0 (clear moves it)
        self._until_s = 0.0  # set time the measurement stopped
        self._ticker: asyncio.Task[None] | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen; returns the address (the phone's IP and port, as phyphox shows them)."""
        address = await self._server.start(host, port)
        self._ticker = asyncio.create_task(self._watch_end())
        return address

    async def stop(self) -> None:
        """Stop serving."""
        if self._ticker is not None:
            self._ticker.cancel()
        await self._server.close()

    def set_time_s(self) -> float:
        """The set's time now (the motion's clock)."""
        return self.time.now_s() - (self.origin_s if self.origin_s is not None else self.time.now_s())

    def _visible(self, times: np.ndarray) -> np.ndarray:
        """Which samples the phone has measured into its buffers so far."""
        until = self.set_time_s() if self._measuring else self._until_s
        return (times >= self._from_s) & (times <= until)

    async def _watch_end(self) -> None:
        end_s = float(max(self.motion.acc_time_s[-1], self.motion.gyr_time_s[-1]))
        while not (self.origin_s is not None and self.set_time_s() > end_s + 0.5):
            await self.time.sleep(0.1)
        self.done.set()

    def _event(self, name: str) -> None:
        experiment_s = self.set_time_s() - self._from_s
        self._events.append(
            {"event": name, "experimentTime": experiment_s, "systemTime": START_UNIX_S + self.time.now_s()}
        )

    def _control(self, cmd: str) -> Response:
        if cmd == "start" and not self._measuring:
            if self.origin_s is None:
                self.origin_s = self.time.now_s()
            if not self._events:
                self._from_s = self.set_time_s()
            self._measuring = True
            self._event("START")
        elif cmd == "stop" and self._measuring:
            self._until_s = self.set_time_s()
            self._measuring = False
            self._event("PAUSE")
        elif cmd == "clear":
            self._session = secrets.token_hex(3)
            self._events = []
            self._from_s = self._until_s = self.set_time_s() if self.origin_s is not None else 0.0
            if self._measuring:
                self._event("START")
        elif cmd not in ("start", "stop"):
            return Response(200, b'{"result": false}')
        return Response(200, b'{"result": true}')

    def _buffers(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every buffer's values and its sensor's time buffer, as experiment time."""
        out = {}
        for source, t, xyz in (
            ("accelerometer", self.motion.acc_time_s, self.motion.acc_mps2),
            ("gyroscope", self.motion.gyr_time_s, self.motion.gyr_rads),
        ):
            keep = self._visible(t)
            exp_t = t[keep] - self._from_s
            names = self.names[source]
            out[names["t"]] = (exp_t, exp_t)
            for k, axis in enumerate("xyz"):
                out[names[axis]] = (xyz[keep, k], exp_t)
        return out

    def _get(self, query: list[tuple[str, str]]) -> Response:
        buffers = self._buffers()
        parts = []
        for name, value in dict(query).items():
            if name not in buffers:
                continue
            values, own_time = buffers[name]
            if value in ("", None):
                chosen, mode = values[-1:], "single"
            elif value == "full":
                chosen, mode = values, "full"
            else:
                threshold_text, _, reference = value.partition("|")
                try:
                    threshold = float(threshold_text)
                except ValueError:
                    return error_response(400, "Invalid threshold.")
                if reference and reference not in buffers:
                    return error_response(400, "Unknown reference buffer.")
                ref = buffers[reference][0] if reference else own_time
                if threshold != 0:
                    threshold += 10 ** math.floor(math.log10(abs(threshold) / 1e7))
                chosen, mode = values[ref > threshold], "partial"
            numbers = ",".join(_eight_digits(chosen))
            parts.append(f'"{name}":{{"size":0,"updateMode":"{mode}", "buffer":[{numbers}]}}')
        status = json.dumps(
            {"session": self._session, "measuring": self._measuring, "timedRun": False, "countDown": 0}
        )
        body = '{"buffer":{\n' + ",\n".join(parts) + '\n},\n"status":' + status + "\n}\n"
        return Response(200, body.encode())

    async def _handle(self, request: Request) -> Response | None:
        self.requests += 1
        if self.origin_s is not None and self.faults.offline(self.set_time_s()):
            self.dropped_connections += 1
            return None  # off the network: the connection just dies
        url = urlsplit(request.target)
        query = parse_qsl(url.query, keep_blank_values=True)
        if url.path == "/get":
            return self._get(query)
        if url.path == "/control":
            return self._control(dict(query).get("cmd", ""))
        if url.path == "/config":
            names = [{"name": n, "size": 0} for source in self.names.values() for n in source.values()]
            return Response(
                200, json.dumps({"title": "imuhinge", "buffers": names, "inputs": self.inputs}).encode()
            )
        if url.path == "/meta":
            meta = {"deviceModel": "Pixel 7", "deviceBrand": "google", "version": "1.2.0", "sensors": {}}
            return Response(200, json.dumps(meta).encode())
        if url.path == "/time":
            return Response(200, json.dumps(self._events).encode())
        return error_response(404, "Not found")
