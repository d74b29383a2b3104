"""Timestamps as phones and loggers deliver them: jitter, quantisation, bursts, repeats, nominal rates
a few percent off. Each case is built from a known sample grid, so positions and times are checked
against that grid, not against the loader's own estimate."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from imuhinge.io import load_recording
from imuhinge.io.timebase import timebase
from imuhinge.model import SensorStream
from imuhinge.signal.resample import to_uniform


def _arrivals(
    rate_hz: float,
    n: int,
    *,
    jitter: float = 0.0,
    quantum_s: float | None = None,
    delayed_holes: int = 0,
    lost_holes: int = 0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps of a sensor sampling at ``rate_hz`` as a logger stamps them, and the grid index
    of every sample kept. Delayed holes: the samples arrive late in one burst (not lost)."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    true_s = k / rate_hz
    t = true_s + jitter * rng.uniform(-1, 1, n) / rate_hz
    keep = np.ones(n, dtype=bool)
    for h in range(delayed_holes + lost_holes):
        a = int(rng.integers(50, n - 100))
        width = max(int(rng.uniform(0.1, 0.5) * rate_hz), 2)
        if h < delayed_holes:
            t[a : a + width] = true_s[a + width] + np.arange(width) * 1e-4
        else:
            keep[a : a + width] = False
    t = np.maximum.accumulate(t)
    if quantum_s:
        t = np.floor(t / quantum_s) * quantum_s
    return t[keep], k[keep]


def _check(t: np.ndarray, k: np.ndarray, rate_hz: float, seq: bool = False) -> None:
    tb = timebase(t, k if seq else None)
    assert tb is not None
    assert tb.rate_hz == pytest.approx(rate_hz, rel=5e-4)
    np.testing.assert_array_equal(tb.positions, k - k[0])
    error = tb.time_s - k / rate_hz
    assert np.ptp(error) < 0.1 / rate_hz  # regular to a tenth of a period (the offset is free)


def test_an_exact_grid_is_left_as_it_is():
    t = 12.5 + np.arange(5000) / 104.0
    tb = timebase(t)
    assert tb is not None and tb.jitter_s == 0.0
    assert tb.time_s is t
    assert tb.rate_hz == pytest.approx(104.0, rel=1e-12)


@pytest.mark.parametrize("rate_hz", [20.41, 52.0, 104.0, 200.0])
@pytest.mark.parametrize("jitter", [0.1, 0.3])
def test_jittered_quantised_stamps_with_bursts(rate_hz, jitter):
    t, k = _arrivals(
        rate_hz, int(60 * rate_hz), jitter=jitter, quantum_s=1e-3, delayed_holes=6, seed=int(rate_hz)
    )
    assert (np.diff(t) == 0).any()  # bursts repeat a millisecond stamp
    _check(t, k, rate_hz)


@pytest.mark.parametrize("seq", [False, True])
def test_lost_samples_leave_gaps_at_their_place(seq):
    t, k = _arrivals(50.0, 3000, jitter=0.3, quantum_s=1e-3, lost_holes=8, seed=5)
    _check(t, k, 50.0, seq)


def test_scattered_loss_without_a_counter():
    rng = np.random.default_rng(7)
    t, k = _arrivals(97.0, 20000, jitter=0.2, quantum_s=1e-3, seed=7)
    keep = rng.random(len(t)) > 0.05
    keep[0] = True
    _check(t[keep], k[keep], 97.0)


def test_packets_stamped_alike():
    """Four samples per packet with one arrival stamp: the rate comes from counts, not intervals."""
    n = 8000
    k = np.arange(n)
    stamps = (k // 4) * 4 / 140.0 + 0.003 * np.random.default_rng(1).random(n // 4).repeat(4)
    _check(np.maximum.accumulate(stamps), k, 140.0)


def test_timestamps_that_do_not_advance_have_no_timebase():
    assert timebase(np.full(10, 3.0)) is None


def _phone_csv(path: Path, header_rate: str | None) -> tuple[np.ndarray, int]:
    """A phone log: 20.41 Hz stamped in whole milliseconds, late bursts, 1 % of rows written twice."""
    t, k = _arrivals(20.41, 1200, jitter=0.3, quantum_s=1e-3, delayed_holes=5, seed=11)
    rng = np.random.default_rng(11)
    acc = np.array([0.0, 0.0, 1.0]) + 0.01 * rng.standard_normal((len(t), 3))
    rows, doubled = [], 0
    for i in range(len(t)):
        row = f"{t[i]:.3f},{acc[i, 0]:.5f},{acc[i, 1]:.5f},{acc[i, 2]:.5f},0.1,-0.2,0.3"
        rows.append(row)
        if rng.random() < 0.01:
            rows.append(row)
            doubled += 1
    head = ["# imuhinge recording v1"] + ([f"# sample_rate_hz: {header_rate}"] if header_rate else [])
    path.write_text(
        "\n".join([*head, "time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps", *rows]) + "\n"
    )
    return k, doubled


@pytest.mark.parametrize("header_rate", [None, "20", "21"])
def test_a_phone_log_loads_on_its_real_rate(tmp_path, caplog, header_rate):
    path = tmp_path / "phone.csv"
    k, doubled = _phone_csv(path, header_rate)
    assert doubled > 0
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"):
        rec = load_recording(path)
    stream = rec.sensors["upper_back"]
    assert stream.rate_hz == pytest.approx(20.41, rel=5e-4)
    assert len(stream) == len(k)  # every repeated row dropped, no sample lost
    assert rec.gaps == []  # the late bursts fill their holes
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert f"dropped {doubled} rows that repeat the row before" in messages
    if header_rate is not None:
        assert rec.sample_rate_hz == float(header_rate)
        assert "using 20.41 Hz" in messages
    uni = to_uniform(stream)
    assert uni.fs_hz == stream.rate_hz and not uni.filled.any()


def test_a_huge_counter_jump_is_not_laid_out(tmp_path):
    """A corrupt counter (one seq of 1e15) costs one marker sample, not 1e15 filled ones."""
    n = 1000
    seq = np.arange(n, dtype=np.int64)
    seq[-1] = 10**15
    time_s = np.arange(n) / 100.0
    time_s[-1] = 1e13
    stream = SensorStream("upper_back", time_s, np.tile([0.0, 0.0, 9.81], (n, 1)), np.zeros((n, 3)), seq)
    uni = to_uniform(stream, 100.0)
    assert len(uni.time_s) == n + 1
    assert uni.segments == [(0, n - 1), (n, n + 1)]
