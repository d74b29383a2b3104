"""An emulated phone running Sensor Logger with HTTP Push on, driven by the simulator.

Every ``batch_s`` it posts what its sensors measured since the last post, in the app's message
layout: Android sends ``totalacceleration`` (plus ``accelerometer`` and ``gravity``), iOS
``accelerometer`` and ``gravity`` with the inertial-force sign; both send ``gyroscope``. Times are
Unix nanoseconds on the phone's clock. Faults: a Wi-Fi drop loses the posts it covers (the app does
not send them again); a repeated post is sent twice; a reordered post goes out after the next one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from imuhinge.sources.emulated.phone.exports import START_UNIX_S, gravity_part
from imuhinge.sources.emulated.phone.faults import PhoneFaults
from imuhinge.sources.emulated.phone.sampling import PhoneMotion
from imuhinge.sources.emulated.time_base import EmulatedTime
from imuhinge.sources.phone.http import HttpError, request


@dataclass
class PushStats:
    """What the emulated app did: posts made, answers by status, posts lost to Wi-Fi drops."""

    posts: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def _entries(name: str, time_s: np.ndarray, xyz: np.ndarray) -> list[dict[str, Any]]:
    time_ns = np.rint((START_UNIX_S + time_s) * 1e9).astype(np.int64)
    return [
        {"name": name, "time": t, "values": {"x": v[0], "y": v[1], "z": v[2]}}
        for t, v in zip(time_ns.tolist(), xyz.tolist(), strict=True)
    ]


class EmulatedSensorLogger:
    """Push a simulated set to a receiver as Sensor Logger would (see the module docstring).

    Parameters
    ----------
    motion : PhoneMotion
        The phone's samples; motion time 0 is the set's time 0.
    time : EmulatedTime
        The emulated world's clock.
    url : str
        The push URL (with its token).
    platform : str
        ``android`` or ``ios``.
    batch_s : float
        Batch period.
    faults : PhoneFaults, optional
    origin_s : float, optional
        Emulated time of the set's time 0 (default: when ``run`` starts).
    """

    def __init__(
        self,
        motion: PhoneMotion,
        time: EmulatedTime,
        url: str,
        platform: str = "android",
        batch_s: float = 0.2,
        faults: PhoneFaults | None = None,
        origin_s: float | None = None,
        session_id: str = "emulated-session",
        device_id: str = "emulated-phone",
    ) -> None:
        self.motion = motion
        self.time = time
        parts = urlsplit(url)
        self.host, self.port, self.target = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.platform = platform
        self.batch_s = batch_s
        self.faults = faults or PhoneFaults()
        self.origin_s = origin_s
        self.session_id, self.device_id = session_id, device_id
        self.stats = PushStats()
        self._rng = np.random.default_rng(self.faults.seed)
        self._gravity = gravity_part(motion.acc_time_s, motion.acc_mps2)
        self._message_id = 0

    def _payload(self, start_s: float, end_s: float) -> list[dict[str, Any]]:
        m = self.motion
        a = (m.acc_time_s >= start_s) & (m.acc_time_s < end_s)
        g = (m.gyr_time_s >= start_s) & (m.gyr_time_s < end_s)
        t, acc, grav = m.acc_time_s[a], m.acc_mps2[a], self._gravity[a]
        if self.platform == "ios":
            payload = _entries("accelerometer", t, -(acc - grav)) + _entries("gravity", t, -grav)
        else:
            payload = _entries("totalacceleration", t, acc) + _entries("accelerometer", t, acc - grav)
        return payload + _entries("gyroscope", m.gyr_time_s[g], m.gyr_rads[g])

    async def _post(self, body: bytes) -> None:
        try:
            status, _ = await request("POST", self.host, self.port, self.target, body, timeout_s=5.0)
        except HttpError:
            status = 0
        self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1

    async def run(self) -> None:
        """Post batches until the set has been sent."""
        if self.origin_s is None:
            self.origin_s = self.time.now_s()
        end_s = float(max(self.motion.acc_time_s[-1], self.motion.gyr_time_s[-1])) + 1e-9
        held: bytes | None = None
        while self._message_id * self.batch_s < end_s:
            # One message per batch period, with what was measured in it (sent late if the host lags).
            start_s, end_s_batch = self._message_id * self.batch_s, (self._message_id + 1) * self.batch_s
            wait_s = end_s_batch - (self.time.now_s() - self.origin_s)
            if wait_s > 0:
                await self.time.sleep(wait_s)
            message = {
                "messageId": self._message_id,
                "sessionId": self.session_id,
                "deviceId": self.device_id,
                "payload": self._payload(start_s, end_s_batch),
            }
            self._message_id += 1
            body = json.dumps(message).encode()
            if self.faults.offline(end_s_batch):
                self.stats.lost += 1
                continue
            if held is None and self._rng.random() < self.faults.reorder:
                held = body
                self.stats.reordered += 1
                continue
            bodies = [body] + ([held] if held is not None else [])
            held = None
            if self._rng.random() < self.faults.duplicate:
                bodies.append(body)
                self.stats.duplicated += 1
            for item in bodies:
                self.stats.posts += 1
                await self._post(item)
        if held is not None:
            self.stats.posts += 1
            await self._post(held)
