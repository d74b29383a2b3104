"""Clock alignment of the sacrum stream to the upper-back stream, against the simulator's clocks."""

import numpy as np
import pytest

from imuhinge.errors import AlignmentError
from imuhinge.model import Recording, SensorStream
from imuhinge.signal.clock_align import (
    RATE_CUTOFF_HZ,
    ClockAlignment,
    align_recording,
    align_streams,
    angular_rate_dps,
    check_pair,
)
from imuhinge.signal.resample import to_uniform
from imuhinge.signal.smoothing import kernels
from imuhinge.sim import SimConfig, simulate

TWO = ("upper_back", "sacrum")


@pytest.fixture(scope="module")
def plain():
    return simulate(SimConfig(sensors=TWO, reps=4, seed=2))


def true_trunk_time_s(sim, placement: str = "sacrum") -> np.ndarray:
    """Upper-back clock reading at the true instant of each sample of ``placement``."""
    fs = sim.recording.sample_rate_hz
    drift, offset = sim.truth["clock_drift_ppm"], sim.truth["clock_offset_s"]
    true_s = sim.recording.sensors[placement].seq / (fs * (1.0 + drift[placement] * 1e-6))
    return true_s * (1.0 + drift["upper_back"] * 1e-6) + offset["upper_back"]


def alignment_error_samples(sim, alignment: ClockAlignment) -> float:
    pelvis = sim.recording.sensors["sacrum"]
    err_s = alignment.to_trunk_time(pelvis.time_s) - true_trunk_time_s(sim)
    return float(np.max(np.abs(err_s)) * sim.recording.sample_rate_hz)


def subset(stream: SensorStream, keep: np.ndarray, placement: str | None = None) -> SensorStream:
    seq = None if stream.seq is None else stream.seq[keep]
    return SensorStream(
        placement or stream.placement, stream.time_s[keep], stream.acc_mps2[keep], stream.gyr_rads[keep], seq
    )


@pytest.mark.parametrize(
    ("rate", "offset_s", "drift_ppm"),
    [
        (50.0, 0.5, 100.0),
        (50.0, -0.35, -100.0),
        (100.0, -0.5, 100.0),
        (100.0, 0.2, -100.0),
        (200.0, 0.45, -100.0),
        (200.0, -0.1, 100.0),
    ],
)
def test_aligned_within_one_sample(rate, offset_s, drift_ppm):
    sim = simulate(
        SimConfig(
            sensors=TWO,
            reps=5,
            random_mounting=True,
            gyro_bias_dps=1.0,
            rounded_reps={2: 20.0},
            clock_offset_s={"sacrum": offset_s},
            clock_drift_ppm={"sacrum": drift_ppm},
            sample_rate_hz=rate,
            seed=int(rate) + int(100 * offset_s),
        )
    )
    alignment = align_recording(sim.recording)
    assert alignment_error_samples(sim, alignment) < 0.5
    assert alignment.offset_s == pytest.approx(offset_s, abs=1.0 / rate)
    assert alignment.drift_ppm == pytest.approx(drift_ppm, abs=30.0)
    assert alignment.correlation > 0.9


def test_both_clocks_off_with_packet_loss():
    sim = simulate(
        SimConfig(
            sensors=TWO,
            reps=5,
            random_mounting=True,
            packet_loss=0.05,
            clock_offset_s={"upper_back": 0.2, "sacrum": -0.25},
            clock_drift_ppm={"upper_back": -50.0, "sacrum": 50.0},
            sample_rate_hz=100.0,
            seed=8,
        )
    )
    alignment = align_recording(sim.recording)
    assert alignment_error_samples(sim, alignment) < 0.5
    assert alignment.drift_ppm == pytest.approx(100.0, abs=30.0)


def test_raw_streams_and_time_maps_agree():
    sim = simulate(SimConfig(sensors=TWO, reps=4, clock_offset_s={"sacrum": 0.3}, seed=2))
    rec = sim.recording
    alignment = align_streams(rec.sensors["upper_back"], rec.sensors["sacrum"], rec.sample_rate_hz)
    t = np.linspace(0.0, 30.0, 7)
    np.testing.assert_allclose(alignment.to_pelvis_time(alignment.to_trunk_time(t)), t, atol=1e-9)
    assert alignment_error_samples(sim, alignment) < 0.5


def with_sacrum(sim, sacrum: SensorStream | None) -> Recording:
    rec = sim.recording
    sensors = {"upper_back": rec.sensors["upper_back"]}
    if sacrum is not None:
        sensors["sacrum"] = sacrum
    return Recording(sensors, rec.sample_rate_hz, dict(rec.metadata))


def bad_pelvis_cases(sim):
    pelvis = sim.recording.sensors["sacrum"]
    t = pelvis.time_s
    return {
        "missing": (None, "no sacrum stream"),
        "empty": (subset(pelvis, t < 0.0), "sacrum stream is empty"),
        "short": (subset(pelvis, t < 12.0), "less than half"),
        "same placement": (subset(pelvis, t >= 0.0, "upper_back"), "both sensor streams are placed on"),
        "no overlap": (
            SensorStream("sacrum", t + t[-1] + 5.0, pelvis.acc_mps2, pelvis.gyr_rads, pelvis.seq),
            "overlap",
        ),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "short", "same placement", "no overlap"])
def test_bad_pairs_rejected_clearly(plain, case):
    sacrum, message = bad_pelvis_cases(plain)[case]
    rec = with_sacrum(plain, sacrum)
    with pytest.raises(AlignmentError, match=message):
        check_pair(rec)
    with pytest.raises(AlignmentError):
        align_recording(rec)


def test_streams_that_cannot_be_correlated_rejected(plain):
    other = simulate(SimConfig(sensors=TWO, reps=4, seed=5, tempo="2-0-2"))
    rec = plain.recording
    trunk, pelvis = rec.sensors["upper_back"], rec.sensors["sacrum"]
    fs = rec.sample_rate_hz
    still = SensorStream("sacrum", pelvis.time_s, pelvis.acc_mps2, np.zeros_like(pelvis.gyr_rads), pelvis.seq)
    late = SensorStream("sacrum", pelvis.time_s + 1.5, pelvis.acc_mps2, pelvis.gyr_rads, pelvis.seq)
    with pytest.raises(AlignmentError, match="no movement"):
        align_streams(subset(trunk, trunk.time_s < 3.0), subset(pelvis, pelvis.time_s < 3.0), fs)
    with pytest.raises(AlignmentError, match="is it strapped on"):
        align_streams(trunk, still, fs)
    with pytest.raises(AlignmentError, match="clocks differ"):
        align_streams(trunk, late, fs)
    with pytest.raises(AlignmentError, match="same set"):
        align_streams(trunk, other.recording.sensors["sacrum"], fs)
    with pytest.raises(AlignmentError, match="less than half"):
        align_streams(trunk, subset(pelvis, pelvis.time_s < 10.0), fs)


@pytest.mark.parametrize("step", [1, 3, 4])
def test_rates_are_the_edge_padded_low_pass_at_the_kept_samples(step):
    """The decimated rates equal filtering the whole padded segment and keeping every step-th sample,
    also next to the ends and around a long gap that splits the stream."""
    rng = np.random.default_rng(step)
    n, fs = 1500, 100.0
    keep = np.ones(n, dtype=bool)
    keep[700:800] = False  # 1 s: a long gap, two segments, the gap laid out between them
    gyr = np.cumsum(rng.normal(size=(n, 3)), axis=0) * 0.01
    t = np.arange(n) / fs
    stream = SensorStream(
        "upper_back", t[keep], np.tile([0, 0, 9.81], (keep.sum(), 1)), gyr[keep], np.flatnonzero(keep)
    )
    uni = to_uniform(stream, fs)
    low = kernels(fs, RATE_CUTOFF_HZ)[0]
    half = len(low) // 2
    m = len(uni.time_s)
    assert m == n and uni.segments == [(0, 700), (800, n)]
    expected = np.full((m, 3), np.nan)
    for a, b in uni.segments:
        padded = np.pad(uni.gyr_rads[a:b], ((half, half), (0, 0)), mode="edge")
        expected[a:b] = np.column_stack([np.convolve(padded[:, k], low, mode="valid") for k in range(3)])
    got = angular_rate_dps(uni, step)
    np.testing.assert_allclose(got, np.degrees(expected[::step]), rtol=0, atol=1e-12)
    gap = (np.arange(0, m, step) >= 700) & (np.arange(0, m, step) < 800)
    assert np.isnan(got[gap]).all() and np.isfinite(got[~gap]).all()
