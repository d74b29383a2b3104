"""Network faults an emulated phone injects: Wi-Fi drops, repeated and out-of-order pushes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhoneFaults:
    """What goes wrong between an emulated phone and the computer.

    Attributes
    ----------
    wifi_drops : tuple of (float, float)
        ``(start_s, duration_s)`` in the set's time: the phone is off the network (it keeps
        measuring). phyphox answers nothing meanwhile; Sensor Logger's pushes are lost.
    duplicate : float
        Fraction of pushes sent twice.
    reorder : float
        Fraction of pushes sent after the next one.
    seed : int
        Seed of the fault draws.
    """

    wifi_drops: tuple[tuple[float, float], ...] = ()
    duplicate: float = 0.0
    reorder: float = 0.0
    seed: int = 0

    def offline(self, set_time_s: float) -> bool:
        """True while the phone is off the network."""
        return any(a <= set_time_s < a + d for a, d in self.wifi_drops)
