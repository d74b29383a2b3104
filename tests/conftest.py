"""Shared fixtures: simulated sets, cached per session (they are deterministic), and hand-built reps."""

from functools import cache

from imuhinge.model import Rep
from imuhinge.sim import SimConfig, SimulatedSet, simulate

_DICT = "__dict__"


@cache
def _cached(key: tuple) -> SimulatedSet:
    kwargs = {k: dict(v[1]) if isinstance(v, tuple) and v[:1] == (_DICT,) else v for k, v in key}
    return simulate(SimConfig(**kwargs))


def sim_set(**kwargs) -> SimulatedSet:
    """A simulated set, built once per test session for each distinct configuration."""
    items = ((k, (_DICT, tuple(sorted(v.items()))) if isinstance(v, dict) else v) for k, v in kwargs.items())
    return _cached(tuple(sorted(items)))


def hand_rep(index=1, start_s=0.0, ecc=3.0, bottom=1.0, con=2.0, top=1.0, depth=60.0, **fields) -> Rep:
    """A rep built by hand: its phases laid end to end from ``start_s``, other fields as given."""
    lower_offset_s = start_s + ecc
    rise_onset_s = lower_offset_s + (bottom or 0.0)
    rise_offset_s = rise_onset_s + con
    return Rep(
        index=index,
        start_s=start_s,
        end_s=rise_offset_s + (top or 0.0),
        lower_onset_s=start_s,
        lower_offset_s=lower_offset_s,
        rise_onset_s=rise_onset_s,
        rise_offset_s=rise_offset_s,
        eccentric_s=ecc,
        bottom_s=bottom,
        concentric_s=con,
        top_s=top,
        peak_time_s=lower_offset_s,
        peak_trunk_flexion_deg=depth,
        **fields,
    )
