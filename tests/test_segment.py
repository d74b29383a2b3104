"""Incremental segmentation equals batch segmentation, whatever the chunk sizes."""

import numpy as np
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import segment_stream
from imuhinge.body.angles import segment_angles
from imuhinge.model import Exercise
from imuhinge.reps.segment import Segmenter, SegmenterConfig
from imuhinge.signal.smoothing import StreamSmoother, smooth


def _chunked(angles, floor_start, rng):
    smoother = StreamSmoother(angles.fs_hz)
    seg = Segmenter(angles.fs_hz, floor_start)
    x, t = angles.flexion_deg, angles.time_s
    i = emitted = 0
    while i < len(x):
        n = int(rng.integers(1, 400))
        a, v = smoother.feed(x[i : i + n])
        seg.feed(t[emitted : emitted + len(a)], a, v)
        emitted += len(a)
        i += n
    a, v = smoother.finish()
    seg.feed(t[emitted : emitted + len(a)], a, v)
    seg.finish()
    return seg


def test_stream_smoother_equals_batch():
    x = np.cumsum(np.random.default_rng(0).standard_normal(5000))
    a_batch, v_batch = smooth(x, 100.0)
    sm = StreamSmoother(100.0)
    parts = [sm.feed(x[i : i + 37]) for i in range(0, len(x), 37)] + [sm.finish()]
    np.testing.assert_allclose(np.concatenate([p[0] for p in parts]), a_batch, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.concatenate([p[1] for p in parts]), v_batch, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reps": 6, "partial_after": {2: 10.0}, "lean_back_reps": {4: 8.0}},
        {"exercise": Exercise.DEADLIFT, "reps": 5, "seed": 2},
        {"exercise": Exercise.KETTLEBELL_SWING, "reps": 10, "seed": 3},
        {"exercise": Exercise.HINGE_HOLD, "reps": 2, "hold_s": 12.0, "seed": 4},
    ],
)
def test_chunks_of_random_sizes_give_the_batch_reps(kwargs):
    sim = sim_set(**kwargs)
    ex = Exercise(kwargs.get("exercise", Exercise.RDL))
    angles = segment_angles(sim.recording, "upper_back")
    batch = segment_stream(angles, ex.floor_start)
    assert len(batch.reps) == sim.truth["rep_count"]
    for seed in range(3):
        chunked = _chunked(angles, ex.floor_start, np.random.default_rng(seed))
        assert chunked.reps == batch.reps
        assert chunked.partials == batch.partials


def test_scan_window_changes_work_not_results():
    sim = sim_set(reps=5, partial_after={1: 10.0}, top_pause_s=20.0, quiet_after_s=40.0, seed=6)
    angles = segment_angles(sim.recording, "upper_back")
    default = segment_stream(angles, False)
    assert len(default.reps) == 5 and len(default.partials) == 1
    for window_s in (0.05, 1.0, 60.0):
        other = segment_stream(angles, False, SegmenterConfig(scan_window_s=window_s))
        assert other.reps == default.reps and other.partials == default.partials


def test_gap_never_joins_a_rep():
    sim = sim_set(reps=4, seed=5)
    angles = segment_angles(sim.recording, "upper_back")
    mid = sim.truth["reps"][1]["peak_time_s"]
    cut = np.searchsorted(angles.time_s, mid)
    seg = Segmenter(angles.fs_hz)
    for lo, hi in ((0, cut), (cut + 300, len(angles.time_s))):
        a, v = smooth(angles.flexion_deg[lo:hi], angles.fs_hz)
        seg.feed(angles.time_s[lo:hi], a, v)
        seg.gap()
    # Rep 2 is cut at its bottom: dropped, never joined across the gap; reps 1, 3 and 4 stay.
    resume_s = angles.time_s[cut + 300]
    assert len(seg.reps) == 3
    assert seg.reps[0].second_offset_s < mid
    assert all(r.first_onset_s > resume_s for r in seg.reps[1:])
