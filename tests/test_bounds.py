"""Physical bounds of reported reps (``report.bounds``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.errors import InputError
from imuhinge.report.bounds import check_physical_bounds, rep_problem
from imuhinge.report.rep_table import rep_rows


@pytest.fixture(scope="module")
def report():
    return analyze(sim_set(reps=3, sensors=("upper_back", "sacrum"), seed=3).recording)


def test_a_real_set_is_within_bounds(report) -> None:
    assert report.rep_count == 3
    assert [rep_problem(row) for row in rep_rows(report)] == [None, None, None]
    check_physical_bounds(report)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"peak_lumbar_flexion_deg": 137.2}, "lumbar flexion 137.2° (beyond 90°)"),
        ({"lockout_lumbar_extension_deg": -176.0}, "lumbar extension at lockout -176° (beyond 90°)"),
        ({"hip_drop_high_m": 35.78}, "hip travel 35.78 m (beyond 1 m)"),
        ({"peak_trunk_flexion_deg": 181.0}, "trunk flexion 181° (beyond 180°)"),
        ({"peak_lumbar_flexion_deg": float("nan")}, "lumbar flexion nan is not a number"),
        ({"peak_lumbar_flexion_deg": "heavy"}, "lumbar flexion 'heavy' is not a number"),
        ({"peak_lumbar_flexion_deg": True}, "lumbar flexion True is not a number"),
        ({"bottom_s": -0.2}, "bottom phase of -0.2 s"),
        ({"eccentric_s": float("inf")}, "eccentric phase of inf s"),
    ],
)
def test_impossible_values_are_named(report, change: dict, problem: str) -> None:
    row = {**rep_rows(report)[1], **change}
    assert rep_problem(row) == problem


def test_a_set_with_an_impossible_rep_is_refused(report) -> None:
    reps = list(report.reps)
    reps[1] = replace(reps[1], peak_lumbar_flexion_deg=137.2)
    with pytest.raises(InputError) as info:
        check_physical_bounds(replace(report, reps=reps, source="set.csv"))
    assert str(info.value) == (
        "set.csv: rep 2 gives lumbar flexion 137.2° (beyond 90°): physically impossible, so no result is "
        "reported (is each sensor on its segment, and are the values what the columns say?)"
    )


def test_unmeasured_values_are_fine() -> None:
    assert rep_problem({"index": 1, "peak_lumbar_flexion_deg": None, "top_s": None}) is None
