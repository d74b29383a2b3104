"""Shared fixtures: simulated sets are cached per session (they are deterministic)."""

from functools import cache

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
