"""Clock mapping with synthetic BLE arrival jitter: drift, offset, order, duplicates, gaps."""

import numpy as np
import pytest

from imuhinge.sources.ble.clock import LowerEnvelopeFit, SampleBlock, SensorClock
from imuhinge.sources.ble.profiles import ClockModel, DecodedPacket

LATENCY_S = 0.003


def collect(blocks: list[SampleBlock]) -> dict[str, np.ndarray]:
    return {
        "time_s": np.concatenate([b.time_s for b in blocks]),
        "seq": np.concatenate([b.seq for b in blocks]),
        "acc_g": np.concatenate([b.acc_g for b in blocks]),
        "gyr_dps": np.concatenate([b.gyr_dps for b in blocks]),
        "gaps": [b.gap for b in blocks if b.gap is not None],
    }


def arrivals(last_true_s: np.ndarray, rng: np.random.Generator, jitter_s: float) -> np.ndarray:
    """Arrival = sample time + latency + uniform jitter, kept in order like a BLE link."""
    return np.maximum.accumulate(last_true_s + LATENCY_S + rng.uniform(0, jitter_s, len(last_true_s)))


def test_lower_envelope_recovers_offset_and_drift_within_1ms():
    rng = np.random.default_rng(0)
    fs, per_packet, drift = 100.0, 4, 80e-6
    sensor_s = 1234.5 + np.arange(6000) / fs
    true_host_s = 3.0 + (1 + drift) * (sensor_s - 1234.5)
    last = np.arange(per_packet - 1, len(sensor_s), per_packet)
    arrival = arrivals(true_host_s[last], rng, 0.020)
    fit = LowerEnvelopeFit(max_drift=1e-3)
    for i, a in zip(last, arrival, strict=True):
        fit.add(sensor_s[i], a)
    assert fit.drift == pytest.approx(drift, abs=2e-5)
    error_s = fit.predict(sensor_s) - (true_host_s + LATENCY_S)
    assert np.max(np.abs(error_s)) < 1e-3
    assert fit.offset_s == pytest.approx(3.0 - (1 + drift) * 1234.5 + LATENCY_S, abs=1e-3)


def test_lower_envelope_ignores_large_delays_and_reordered_points():
    fit = LowerEnvelopeFit(max_drift=1e-3)
    for k in range(200):
        extra = 0.5 if k % 7 == 0 else 0.0
        fit.add(k * 0.1, 10.0 + k * 0.1 + extra)
    fit.add(5.0, 9.0)  # older than the newest point: ignored
    assert fit.predict(20.0) == pytest.approx(30.0, abs=1e-9)
    assert fit.drift == pytest.approx(0.0, abs=1e-12)


def counter_packets(n_samples, per_packet, fs, rng, *, drift=50e-6, jitter_s=0.02, t0=1.0):
    """DIY-like packets: u16 counter and u32 microsecond timestamps, values = sample index."""
    k = np.arange(n_samples)
    true_s = t0 + (1 + drift) * k / fs
    packets, lasts = [], []
    for start in range(0, n_samples, per_packet):
        idx = k[start : start + per_packet]
        values = np.column_stack([idx, -idx, idx % 7]).astype(float)
        timestamp_s = ((10_000_000 + idx * 1_000_000 // int(fs)) % 2**32) * 1e-6
        packets.append(DecodedPacket(values, values * 2, timestamp_s, idx % 65536))
        lasts.append(true_s[idx[-1]])
    return packets, arrivals(np.array(lasts), rng, jitter_s), true_s


def run(clock, packets, arrival):
    blocks = []
    for packet, a in zip(packets, arrival, strict=True):
        blocks += clock.push(packet, float(a))
    return collect(blocks + clock.flush())


def test_counter_clock_wraps_finds_exact_gaps_and_tracks_time():
    rng = np.random.default_rng(1)
    fs = 200.0
    packets, arrival, true_s = counter_packets(80_000, 8, fs, rng)
    lost = rng.random(len(packets)) < 0.05
    lost[:3] = False
    clock = SensorClock("upper_back", ClockModel.SAMPLE_COUNTER, fs, counter_modulus=65536)
    out = run(
        clock,
        [p for p, x in zip(packets, lost, strict=True) if not x],
        arrival[~lost],
    )
    expected = np.concatenate([p.acc_g[:, 0] for p, x in zip(packets, lost, strict=True) if not x])
    np.testing.assert_array_equal(out["acc_g"][:, 0], expected)
    np.testing.assert_array_equal(out["seq"], expected)
    assert sum(g.missing_samples for g in out["gaps"]) == 8 * np.count_nonzero(lost)
    assert clock.stats.gaps == len(out["gaps"]) and clock.stats.clock_restarts == 0
    assert np.all(np.diff(out["time_s"]) > 0)
    truth = true_s[expected.astype(int)] + LATENCY_S
    settled = out["time_s"] > 10.0
    assert np.max(np.abs(out["time_s"][settled] - truth[settled])) < 2e-3
    assert clock.fit.drift == pytest.approx(50e-6, abs=2e-5)


def test_duplicated_and_reordered_packets_come_out_clean():
    rng = np.random.default_rng(2)
    fs = 100.0
    packets, arrival, _ = counter_packets(6000, 4, fs, rng)
    clean = run(
        SensorClock(
            "sacrum", ClockModel.SENSOR_TIMESTAMP, fs, counter_modulus=65536, timestamp_modulus_s=2**32 * 1e-6
        ),
        packets,
        arrival,
    )
    faulty, faulty_arrival = [], []
    i = 0
    while i < len(packets):
        if rng.random() < 0.1 and i + 1 < len(packets):
            faulty += [packets[i + 1], packets[i]]
            faulty_arrival += [arrival[i + 1], arrival[i + 1] + 0.001]
            i += 2
            continue
        faulty.append(packets[i])
        faulty_arrival.append(arrival[i])
        if rng.random() < 0.1:
            faulty.append(packets[i])
            faulty_arrival.append(arrival[i] + 0.001)
        i += 1
    clock = SensorClock(
        "sacrum", ClockModel.SENSOR_TIMESTAMP, fs, counter_modulus=65536, timestamp_modulus_s=2**32 * 1e-6
    )
    out = run(clock, faulty, np.array(faulty_arrival))
    np.testing.assert_array_equal(out["seq"], clean["seq"])
    np.testing.assert_array_equal(out["acc_g"], clean["acc_g"])
    settled = clean["time_s"] > 5.0
    np.testing.assert_allclose(out["time_s"][settled], clean["time_s"][settled], atol=2e-3)
    assert out["gaps"] == [] and clock.stats.duplicate_samples > 0


def test_reconnect_with_running_counter_gives_exact_gap():
    rng = np.random.default_rng(3)
    fs = 100.0
    packets, arrival, _ = counter_packets(3000, 5, fs, rng)
    clock = SensorClock("upper_back", ClockModel.SENSOR_TIMESTAMP, fs, counter_modulus=65536)
    blocks = []
    for i, (packet, a) in enumerate(zip(packets, arrival, strict=True)):
        if 200 <= i < 260:
            continue
        if i == 260:
            blocks += clock.flush()
            clock.reconnect()
        blocks += clock.push(packet, float(a))
    out = collect(blocks + clock.flush())
    (gap,) = out["gaps"]
    assert gap.missing_samples == 60 * 5
    assert gap.end_s - gap.start_s == pytest.approx(301 / fs, abs=2e-3)
    assert clock.stats.clock_restarts == 0 and clock.stats.reconnects == 1


def test_restarted_sensor_clock_is_bridged_from_host_time():
    rng = np.random.default_rng(4)
    fs = 100.0
    first, arrival_1, _ = counter_packets(1000, 5, fs, rng)
    # the device rebooted: its counter and timestamps start again, 2 s after the last packet
    second, arrival_2, _ = counter_packets(1000, 5, fs, rng, t0=arrival_1[-1] + 2.0)
    clock = SensorClock("upper_back", ClockModel.SENSOR_TIMESTAMP, fs, counter_modulus=65536)
    out = run(clock, first + second, np.concatenate([arrival_1, arrival_2]))
    (gap,) = out["gaps"]
    assert clock.stats.clock_restarts == 1
    assert gap.missing_samples == pytest.approx(200, abs=3)
    assert np.all(np.diff(out["time_s"]) > 0) and np.all(np.diff(out["seq"]) > 0)
    assert len(out["seq"]) == 2000


def test_nominal_rate_fits_a_fast_clock_and_sees_a_dropout():
    rng = np.random.default_rng(5)
    fs_nominal, fs_true = 50.0, 50.6
    n = 50 * 60
    true_s = 2.0 + np.arange(n) / fs_true
    arrival = arrivals(true_s, rng, 0.030)
    keep = np.ones(n, bool)
    keep[1000:1030] = False
    clock = SensorClock("upper_back", ClockModel.NOMINAL_RATE, fs_nominal, max_drift=0.02)
    blocks = []
    for k in np.flatnonzero(keep):
        value = np.array([[k, 0.0, 0.0]])
        blocks += clock.push(DecodedPacket(value, value), float(arrival[k]))
    out = collect(blocks)
    (gap,) = out["gaps"]
    assert gap.missing_samples == pytest.approx(30, abs=2)
    assert clock.fit.drift == pytest.approx(fs_nominal / fs_true - 1, abs=1e-3)
    index = out["acc_g"][:, 0].astype(int)
    settled = out["time_s"] > 10.0
    error_s = out["time_s"][settled] - (true_s[index[settled]] + LATENCY_S)
    assert np.max(np.abs(error_s)) < 0.015
    assert np.all(np.diff(out["time_s"]) > 0)


def test_split_acc_and_gyro_frames_are_paired_by_time():
    rng = np.random.default_rng(6)
    fs = 52.0
    n = 52 * 40
    k = np.arange(n)
    sensor_ns = 7 * 10**17 + np.round(k * 1e9 / fs).astype(np.int64)
    frames, lasts = [], []
    for size, is_acc in ((36, True), (30, False)):
        for start in range(0, n, size):
            idx = k[start : start + size]
            values = np.column_stack([idx, idx, idx]).astype(float)
            sensor_time_s = sensor_ns[idx[-1]] * 1e-9 - np.arange(len(idx) - 1, -1, -1) / fs
            packet = DecodedPacket(values if is_acc else None, None if is_acc else values, sensor_time_s)
            frames.append(packet)
            lasts.append(idx[-1] / fs)
    order = np.argsort(lasts, kind="stable")
    arrival = arrivals(np.array(lasts)[order], rng, 0.02)
    lost = {int(order[10])}  # one accelerometer or gyroscope frame never arrives
    clock = SensorClock("upper_back", ClockModel.SENSOR_TIMESTAMP, fs)
    blocks = []
    for j, a in zip(order, arrival, strict=True):
        if j not in lost:
            blocks += clock.push(frames[j], float(a))
    out = collect(blocks + clock.flush())
    np.testing.assert_array_equal(out["acc_g"][:, 0], out["gyr_dps"][:, 0])
    np.testing.assert_array_equal(out["seq"], out["acc_g"][:, 0])
    lost_size = len(frames[next(iter(lost))].sensor_time_s)
    assert len(out["seq"]) == n - lost_size
    assert sum(g.missing_samples for g in out["gaps"]) == lost_size
