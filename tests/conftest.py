"""Shared fixtures: simulated sets are cached per session (they are deterministic)."""

from functools import cache

from imuhinge.sim import SimConfig, SimulatedSet, simulate


@cache
def _cached(key: tuple) -> SimulatedSet:
    kwargs = dict(key)
    for name in ("rounded_reps", "lean_back_reps", "partial_after"):
        if name in kwargs:
            kwargs[name] = dict(kwargs[name])
    return simulate(SimConfig(**kwargs))


def sim_set(**kwargs) -> SimulatedSet:
    """A simulated set, built once per test session for each distinct configuration."""
    key = tuple(
        sorted((k, tuple(sorted(v.items())) if isinstance(v, dict) else v) for k, v in kwargs.items())
    )
    return _cached(key)
