"""Live phone sources piece by piece: the phone clock, message order, the push receiver's refusals
(and a fuzz of them), the phyphox poller against an emulated phone, the shipped experiment file."""

from __future__ import annotations

import asyncio
import json
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.io.imports.motion import Series
from imuhinge.sources.phone.clock import PhoneClock
from imuhinge.sources.phone.http import request
from imuhinge.sources.phone.phyphox import DEFAULT_BUFFERS, PhyphoxSource, buffers_from_config
from imuhinge.sources.phone.sensorlogger import MessageOrder, PushMessage, SensorLoggerSource, parse_message
from imuhinge.sources.phone.stream import PhoneStream

EXPERIMENT = Path(__file__).resolve().parents[1] / "firmware_notes" / "phone" / "imuhinge.phyphox"
RATE_HZ = 99.3


def _phone_times(n: int, seed: int = 0, jitter_s: float = 0.0015) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 0.3 + np.arange(n) / RATE_HZ + rng.uniform(-jitter_s, jitter_s, n)


def _push_in_chunks(clock: PhoneClock, t: np.ndarray, index: np.ndarray, seed: int = 1, delay_s: float = 0.0):
    rng = np.random.default_rng(seed)
    blocks = []
    for start in range(0, len(t), 20):
        chunk = slice(start, start + 20)
        arrival = t[chunk][-1] + delay_s + rng.uniform(0.005, 0.2)
        acc = np.tile([0.0, 0.0, 9.81], (len(t[chunk]), 1)) + index[chunk, None] * 1e-3
        blocks += clock.push(t[chunk], acc, np.zeros((len(t[chunk]), 3)), arrival)
    return blocks


def test_phone_clock_numbers_samples_from_jittery_stamps_and_sizes_a_gap_exactly():
    index = np.arange(3000)
    kept = (index < 1200) | (index >= 1237)  # 37 samples lost (a Wi-Fi drop)
    t, index = _phone_times(3000)[kept], index[kept]
    clock = PhoneClock("upper_back")
    blocks = _push_in_chunks(clock, t, index) + clock.flush()
    seq = np.concatenate([b.seq for b in blocks])
    assert np.array_equal(seq, index)  # every sample numbered as the phone took it
    gaps = [b.gap for b in blocks if b.gap is not None]
    assert len(gaps) == 1 and gaps[0].missing_samples == 37
    assert clock.rate_hz == pytest.approx(RATE_HZ, rel=2e-4)
    time_s = np.concatenate([b.time_s for b in blocks])
    # Recording time is the phone's stamps moved by one offset: the earliest arrival seen.
    assert np.allclose(np.diff(time_s), np.diff(t), atol=1e-6)
    assert 0.0 < time_s[0] - t[0] <= 0.2
    acc_g = np.concatenate([b.acc_g for b in blocks])
    assert np.allclose(acc_g[:, 2], (9.81 + index * 1e-3) / 9.80665)


def test_phone_clock_drops_repeats_and_continues_after_a_restart():
    t = _phone_times(400, seed=3)
    clock = PhoneClock("sacrum")
    index = np.arange(400)
    first = _push_in_chunks(clock, t[:300], index[:300])
    first += _push_in_chunks(clock, t[250:300], index[250:300])  # a repeated batch
    assert clock.stats.stale_samples == 50
    first += clock.restart()
    last = first[-1]
    # The phone's clock starts again at 0, 5 s of host time later.
    later = _push_in_chunks(clock, t[:300] - t[0], index[:300], delay_s=last.time_s[-1] + 5.0)
    later += clock.flush()
    assert later[0].gap is not None
    assert later[0].gap.missing_samples == pytest.approx(5.0 * RATE_HZ, abs=25)
    seq = np.concatenate([b.seq for b in first + later])
    time_s = np.concatenate([b.time_s for b in first + later])
    assert np.all(np.diff(seq) >= 1) and np.all(np.diff(time_s) > 0)
    assert clock.stats.epochs == 2


def _message(k: int, session: str = "s") -> PushMessage:
    return PushMessage(k, session, "d")


def test_message_order_waits_for_late_messages_drops_repeats_and_gives_up_on_lost_ones():
    order = MessageOrder(hold_s=0.4)
    got = []
    for k, now in [(0, 0.0), (2, 0.2), (1, 0.25), (1, 0.3), (4, 0.5), (5, 0.7)]:
        got += [m.message_id for m, _ in order.add(_message(k), now)]
    assert got == [0, 1, 2]  # 2 waited for 1; the repeat of 1 was dropped; 4 and 5 wait for 3
    assert [m.message_id for m, _ in order.due(0.8)] == []
    assert [m.message_id for m, _ in order.due(0.95)] == [4, 5]  # 3 is given up after hold_s
    assert (order.duplicates, order.skipped) == (1, 1)
    assert [m.message_id for m, _ in order.add(_message(3), 1.0)] == []  # too late now
    # A new session starts its own numbering; stragglers of the old one are dropped.
    assert [m.message_id for m, _ in order.add(_message(0, "t"), 1.1)] == [0]
    assert order.add(_message(6), 1.2) == []


def test_push_messages_are_checked_whole():
    ok = {
        "messageId": 3,
        "sessionId": "a",
        "deviceId": "b",
        "payload": [
            {"name": "TotalAcceleration", "time": 10, "values": {"x": 1, "y": 2.5, "z": 9.8}},
            {"name": "location", "time": 11, "values": {"latitude": "n/a"}},
            {"name": "gyroscope", "time": 12, "values": {"x": 0.1, "y": 0.2, "z": 0.3}},
        ],
    }
    message = parse_message(json.dumps(ok).encode())
    assert message.readings["totalacceleration"][1].tolist() == [[1.0, 2.5, 9.8]]
    as_text = json.dumps(
        {**ok, "payload": [{"name": "gyroscope", "time": "12", "values": {"x": "1e-3", "y": 0, "z": 0}}]}
    )
    assert parse_message(as_text.encode()).readings["gyroscope"][1].tolist() == [[0.001, 0.0, 0.0]]
    assert message.readings["gyroscope"][0].tolist() == [12.0]
    bad = [
        b"not json",
        b"[1, 2]",
        json.dumps({**ok, "messageId": "3"}).encode(),
        json.dumps({**ok, "messageId": True}).encode(),
        json.dumps({**ok, "payload": {"name": "x"}}).encode(),
        json.dumps(
            {**ok, "payload": [{"name": "gyroscope", "time": 1, "values": {"x": 1, "y": 2}}]}
        ).encode(),
        json.dumps(
            {**ok, "payload": [{"name": "gyroscope", "time": 1, "values": {"x": 1, "y": 2, "z": "three"}}]}
        ).encode(),
        b'{"messageId": 1, "payload": [{"name": "gravity", "time": 1, '
        b'"values": {"x": NaN, "y": 0, "z": 1}}]}',
    ]
    for body in bad:
        with pytest.raises(ValueError):
            parse_message(body)


async def _raw(port: int, data: bytes, read: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 5.0) if read else b""
    writer.close()
    return answer


def _valid(k: int, t0_ns: int = 1_795_000_000_000_000_000) -> bytes:
    payload = []
    for i in range(10):
        t = t0_ns + (k * 10 + i) * 10_000_000
        payload.append({"name": "totalacceleration", "time": t, "values": {"x": 0.0, "y": 0.0, "z": 9.81}})
        payload.append(
            {"name": "gyroscope", "time": t + 3_000_000, "values": {"x": 0.0, "y": 0.0, "z": 0.01}}
        )
    return json.dumps({"messageId": k, "sessionId": "s", "deviceId": "phone", "payload": payload}).encode()


def test_the_push_receiver_refuses_what_it_must_and_takes_nothing_from_it(caplog):
    async def scenario():
        blocks = []
        source = SensorLoggerSource("upper_back", "127.0.0.1", 0, blocks.append, max_body_bytes=4096)
        task = asyncio.create_task(source.run())
        await source.listening.wait()
        port, token = source.port, source.token
        path = f"/push/{token}"
        statuses = [
            (await request("POST", "127.0.0.1", port, "/push", _valid(0)))[0],
            (await request("POST", "127.0.0.1", port, "/push/" + "x" * 10, _valid(0)))[0],
            (await request("POST", "127.0.0.1", port, "/elsewhere", _valid(0)))[0],
            (await request("GET", "127.0.0.1", port, path))[0],
            (await request("POST", "127.0.0.1", port, path, _valid(0), content_type="image/png"))[0],
            (await request("POST", "127.0.0.1", port, path, b"{" * 100))[0],
            (await request("POST", "127.0.0.1", port, path, b'{"messageId": 1, "payload": [{"name": 3}]}'))[
                0
            ],
            (await request("POST", "127.0.0.1", port, path, b"x" * 5000))[0],
        ]
        chunked = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        statuses.append(int((await _raw(port, chunked.encode())).split(b" ")[1]))
        statuses.append(int((await _raw(port, b"GARBAGE\r\n\r\n")).split(b" ")[1]))
        received_before = len(blocks)
        assert source.stream.stats.acc_samples == 0 and source.accepted == 0
        # A valid phone, then someone else's phone with the token.
        for k in range(30):
            assert (await request("POST", "127.0.0.1", port, path, _valid(k)))[0] == 200
        other = _valid(30).replace(b'"deviceId": "phone"', b'"deviceId": "other"')
        statuses.append((await request("POST", "127.0.0.1", port, path, other))[0])
        source.stop()
        await task
        return statuses, received_before, blocks, source

    with caplog.at_level(logging.WARNING, logger="imuhinge.sources.phone.sensorlogger"):
        statuses, received_before, blocks, source = asyncio.run(scenario())
    assert statuses == [401, 403, 404, 405, 415, 400, 400, 413, 411, 400, 409]
    assert received_before == 0
    refusals = [r for r in caplog.records if "refused a push" in r.getMessage()]
    assert len(refusals) == len(statuses)
    assert source.accepted == 30 and sum(len(b) for b in blocks) == source.stream.stats.merged_samples
    assert source.stream.stats.acc_samples == 300  # the other phone's samples were not taken


def _fuzz_request(rng: np.random.Generator, path: str) -> bytes:
    kind = rng.integers(0, 8)
    junk = bytes(rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8))
    if kind == 0:
        return junk
    if kind == 1:
        return f"POST {path} HTTP/1.1\r\nContent-Length: {len(junk)}\r\n\r\n".encode() + junk
    if kind == 2:
        return f"POST {path} HTTP/1.1\r\nContent-Length: {rng.integers(-5, 10**9)}\r\n\r\n".encode() + junk
    if kind == 3:
        value = rng.choice(["null", "[]", "{}", '"x"', "1e999", "NaN", '{"messageId": -1}', "[[[[[[[[[["])
        entry = f'{{"name": "gyroscope", "time": 5, "values": {value}}}'
        body = f'{{"messageId": {rng.integers(0, 5)}, "sessionId": "s", "payload": [{entry}]}}'
        return f"POST {path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
    if kind == 4:
        body = "[" * int(rng.integers(1, 5000))
        return f"POST {path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
    if kind == 5:
        return f"POST {path} HTTP/1.1\r\n{'X-Junk: ' + 'a' * int(rng.integers(0, 30000))}\r\n\r\n".encode()
    if kind == 6:
        return f'POST {path} HTTP/1.1\r\nContent-Length: 50\r\n\r\n{{"messageId"'.encode()  # cut short
    token = "".join(rng.choice(list("abcdefghij0123456789"), 10))
    body = _valid(0).decode()
    return f"POST /push/{token} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()


def test_a_thousand_fuzzed_requests_crash_nothing_and_deliver_nothing():
    async def scenario():
        blocks = []
        source = SensorLoggerSource("upper_back", "127.0.0.1", 0, blocks.append, max_body_bytes=64 * 1024)
        task = asyncio.create_task(source.run())
        await source.listening.wait()
        rng = np.random.default_rng(2026)
        path = f"/push/{source.token}"
        for _ in range(1000):
            await _raw(source.port, _fuzz_request(rng, path))
        alive = not task.done()
        nothing = (len(blocks), source.accepted, source.stream.stats.acc_samples)
        status, _ = await request("POST", "127.0.0.1", source.port, path, _valid(0))
        source.stop()
        await task
        return alive, nothing, status, source

    logging.getLogger("imuhinge.sources.phone.sensorlogger").setLevel(logging.ERROR)
    try:
        alive, nothing, status, source = asyncio.run(scenario())
    finally:
        logging.getLogger("imuhinge.sources.phone.sensorlogger").setLevel(logging.NOTSET)
    assert alive and nothing == (0, 0, 0) and status == 200
    assert sum(source.refused.values()) >= 990  # closed-early connections may get no answer at all
    assert source.accepted == 1


def test_the_shipped_phyphox_experiment_records_what_the_poller_and_importer_expect():
    root = ET.parse(EXPERIMENT).getroot()
    sensors = {s.get("type"): s for s in root.iter("sensor")}
    assert set(sensors) == {"accelerometer", "gyroscope"}  # with g: not linear_acceleration
    assert all(s.get("rate") == "0" for s in sensors.values())  # the fastest the phone allows
    config = {
        "inputs": [
            {"source": t, "outputs": [{o.get("component"): o.text} for o in s.iter("output")]}
            for t, s in sensors.items()
        ]
    }
    assert buffers_from_config(config) == DEFAULT_BUFFERS
    sizes = {c.text: c.get("size") for c in root.iter("container")}
    assert all(sizes[b] == "0" for names in DEFAULT_BUFFERS.values() for b in vars(names).values())
    labels = [d.get("name") for d in root.iter("data")]
    assert labels == [
        "Time (s)",
        "Acceleration x (m/s^2)",
        "Acceleration y (m/s^2)",
        "Acceleration z (m/s^2)",
        "Time (s)",
        "Gyroscope x (rad/s)",
        "Gyroscope y (rad/s)",
        "Gyroscope z (rad/s)",
    ]


def test_phyphox_refuses_an_experiment_without_gravity_or_gyroscope():
    linear = {"inputs": [{"source": "linear_acceleration", "outputs": [{"x": "a"}]}]}
    with pytest.raises(InputError, match=r"linear acceleration .*orientation needs gravity"):
        buffers_from_config(linear)
    no_gyro = {
        "inputs": [{"source": "accelerometer", "outputs": [{"x": "a"}, {"y": "b"}, {"z": "c"}, {"t": "t"}]}]
    }
    with pytest.raises(InputError, match="no gyroscope"):
        buffers_from_config(no_gyro)


def test_phyphox_poller_follows_a_cleared_measurement_as_a_new_epoch():
    from imuhinge.sim import SimConfig, simulate
    from imuhinge.sources.emulated.phone.phyphox_server import EmulatedPhyphox
    from imuhinge.sources.emulated.phone.sampling import phone_motion
    from imuhinge.sources.emulated.time_base import EmulatedTime

    motion = phone_motion(
        simulate(SimConfig(reps=1, seed=2, sample_rate_hz=200.0)).recording.sensors["upper_back"]
    )

    async def scenario():
        time = EmulatedTime(20.0)
        phone = EmulatedPhyphox(motion, time)
        host, port = await phone.start()
        blocks = []
        source = PhyphoxSource("upper_back", host, port, blocks.append, clock=time)
        task = asyncio.create_task(source.run())
        await time.sleep(4.0)
        await request("GET", host, port, "/control?cmd=clear")  # someone clears it on the phone
        await time.sleep(3.0)
        source.stop()
        await task
        await phone.stop()
        return blocks, source

    blocks, source = asyncio.run(scenario())
    assert source.stream.clock.stats.epochs == 2
    seq = np.concatenate([b.seq for b in blocks])
    time_s = np.concatenate([b.time_s for b in blocks])
    assert np.all(np.diff(seq) >= 1) and np.all(np.diff(time_s) > 0)
    # The clear dropped what the phone had not yet handed over: at most one poll interval of it.
    assert len(source.gaps) <= 1 and all(g.end_s - g.start_s < 0.5 for g in source.gaps)
    assert time_s[-1] == pytest.approx(7.0, abs=0.5)


def test_live_merge_takes_accelerometer_samples_that_come_after_later_gyroscope_ones():
    """Phones fill the two sensors' buffers separately: a batch may hold gyroscope samples later
    than its last accelerometer sample, and the next batch the accelerometer samples in between."""
    blocks = []
    stream = PhoneStream("upper_back", blocks.append, rate_span_s=0.5)
    acc_t, gyr_t = 0.004 + np.arange(300) / 100.0, np.arange(331) / 110.0
    acc = np.tile([0.0, 0.0, 9.81], (300, 1))
    gyr = np.column_stack([gyr_t, np.zeros(331), np.zeros(331)])  # x = time: easy to check
    cuts_acc, cuts_gyr = [0, 95, 190, 300], [0, 110, 215, 331]  # the gyroscope runs ahead
    for k in range(3):
        a, g = slice(cuts_acc[k], cuts_acc[k + 1]), slice(cuts_gyr[k], cuts_gyr[k + 1])
        stream.add(Series(acc_t[a], acc[a]), Series(gyr_t[g], gyr[g]), arrival_s=float(gyr_t[g][-1]) + 0.05)
    stream.close()
    merged_t = np.concatenate([b.time_s for b in blocks])
    gyr_x = np.radians(np.concatenate([b.gyr_dps for b in blocks])[:, 0])
    assert len(merged_t) == 300 and stream.gaps == []
    assert np.allclose(gyr_x, acc_t, atol=1e-9)  # interpolated at the accelerometer's own times
