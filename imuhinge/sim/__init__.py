"""Synthetic hinge sets with exact ground truth (``simulate``), for tests, benchmarks and emulation."""

from imuhinge.sim.simulate import SimConfig, SimulatedSet, simulate, truth_path, write_truth

__all__ = ["SimConfig", "SimulatedSet", "simulate", "truth_path", "write_truth"]
