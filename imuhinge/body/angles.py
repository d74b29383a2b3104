"""Body-segment angles from orientation and calibration: flexion, lateral tilt and twist.

Flexion is the rotation of the earth's up direction about the calibrated sagittal axis, relative to the
standing posture (0 deg standing, positive forward). It uses inclination only, so the slow heading drift
of 6D fusion does not touch it. Lateral tilt is the lean out of the sagittal plane (positive to the
right of the lifter), twist the rotation of the left-right axis about the vertical (positive to the left).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from imuhinge.model import Recording
from imuhinge.signal.calibrate import Calibration, axis_samples, orthogonal_axis, sagittal_axis
from imuhinge.signal.orientation import (
    output_times_s,
    sensor_axis_in_earth,
    uniform_orientation,
    up_in_sensor,
)
from imuhinge.signal.resample import UniformStream, to_uniform

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 16_384


@dataclass
class AngleSeries:
    """Angles on one time base; ``lumbar_flexion_deg`` is None with one sensor."""

    time_s: np.ndarray
    trunk_flexion_deg: np.ndarray
    lateral_tilt_deg: np.ndarray
    twist_deg: np.ndarray
    lumbar_flexion_deg: np.ndarray | None = None

    def window(self, start_s: float, end_s: float) -> slice:
        """Index slice of samples with ``start_s <= t <= end_s`` (at least one sample)."""
        i0, i1 = np.searchsorted(self.time_s, [start_s, end_s], side="left")
        return slice(int(i0), max(int(i1) + 1, int(i0) + 1))


@dataclass
class SegmentAngles:
    """Angles of one body segment on its sensor's uniform grid (NaN inside long gaps)."""

    placement: str
    time_s: np.ndarray
    flexion_deg: np.ndarray
    lateral_tilt_deg: np.ndarray | None
    twist_deg: np.ndarray | None
    filled: np.ndarray
    quat: np.ndarray
    calibration: Calibration
    fs_hz: float


@dataclass(frozen=True)
class SagittalFrame:
    """A segment's calibrated standing pose in its sensor's frame: up, flexion axis, orientation.

    Parameters
    ----------
    up0 : ndarray, shape (3,)
        Earth's up in the sensor frame while standing (unit).
    axis : ndarray, shape (3,)
        Flexion axis in the sensor frame (unit, perpendicular to ``up0``, hinging positive).
    quat0 : ndarray, shape (4,)
        Orientation while standing, for twist.
    """

    up0: np.ndarray
    axis: np.ndarray
    quat0: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_forward", np.cross(self.up0, self.axis))
        east0, north0 = sensor_axis_in_earth(self.quat0[None, :], self.axis)[0, :2]
        object.__setattr__(self, "_ref", (float(east0), float(north0)))

    def flexion_tilt_deg(self, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flexion and lateral tilt (deg) of up-vectors ``up`` (N, 3)."""
        flex = np.degrees(np.arctan2(up @ self._forward, up @ self.up0))  # type: ignore[attr-defined]
        tilt = np.degrees(np.arcsin(np.clip(up @ self.axis, -1.0, 1.0)))
        return flex, tilt

    def twist_deg(self, quat: np.ndarray) -> np.ndarray:
        """Rotation of the left-right axis about the vertical since standing (deg)."""
        east, north = sensor_axis_in_earth(quat, self.axis)[:, :2].T
        east0, north0 = self._ref  # type: ignore[attr-defined]
        return np.degrees(np.arctan2(east0 * north - north0 * east, east0 * east + north0 * north))

    def angles_deg(
        self, quat: np.ndarray, out_of_plane: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Flexion, lateral tilt and twist (deg) of orientations ``quat`` (N, 4).

        Tilt and twist are None unless ``out_of_plane``. Long streams are worked through in blocks of
        ``BLOCK_SAMPLES``: the temporaries stay small enough to be reused from cache instead of being
        allocated (and page-faulted in) afresh at full length.
        """
        n = len(quat)
        flex = np.empty(n)
        tilt, twist = (np.empty(n), np.empty(n)) if out_of_plane else (None, None)
        for a in range(0, n, BLOCK_SAMPLES):
            b = min(a + BLOCK_SAMPLES, n)
            q = quat[a:b]
            f, t = self.flexion_tilt_deg(up_in_sensor(q))
            flex[a:b] = f
            if tilt is not None and twist is not None:
                tilt[a:b], twist[a:b] = t, self.twist_deg(q)
        return flex, tilt, twist


def _mean_quat(quat: np.ndarray) -> np.ndarray:
    q = quat * np.where(quat @ quat[0] < 0, -1.0, 1.0)[:, None]
    m = q.mean(axis=0)
    return m / np.linalg.norm(m)


def segment_angles(recording: Recording, placement: str, out_of_plane: bool = True) -> SegmentAngles:
    """Calibrate one sensor of a recording and compute its segment's angles (offline).

    Parameters
    ----------
    recording : Recording
    placement : str
        ``upper_back`` (trunk) or ``sacrum`` (pelvis).
    out_of_plane : bool
        Also compute lateral tilt and twist (None otherwise: the pelvis needs flexion only).

    Returns
    -------
    SegmentAngles
    """
    uni = to_uniform(recording.sensors[placement], recording.sample_rate_hz)
    return uniform_angles(uni, placement, out_of_plane)


def uniform_angles(uni: UniformStream, placement: str, out_of_plane: bool = True) -> SegmentAngles:
    """``segment_angles`` of a sensor stream already on its uniform grid (``resample.to_uniform``)."""
    fs = uni.fs_hz
    warnings: list[str] = []
    quat, quiet, bias = uniform_orientation(uni), uni.quiet, uni.gyro_bias_rads
    time_s, filled = output_times_s(uni.time_s, fs), uni.filled
    if quiet:
        standing = np.arange(quiet[0], quiet[1])
    else:
        warnings.append(
            f"{placement}: no quiet standing period found; calibrated to the reps' top positions "
            "(stand still for 3 s before the first rep next time)"
        )
        standing = np.flatnonzero(np.isfinite(quat[:, 0]))[: max(int(0.5 * fs), 1)]
    up0 = up_in_sensor(quat[standing]).mean(axis=0)
    up0 /= np.linalg.norm(up0)
    quat0 = _mean_quat(quat[standing])
    pick = axis_samples(len(quat))
    raw_axis = sagittal_axis(uni.gyr_rads[pick], up_in_sensor(quat[pick]))
    if raw_axis is None:
        nan = np.full(len(time_s), np.nan)
        cal = Calibration(bias, up0, None, None, [*warnings, f"{placement}: no movement found"])
        tilt_nan, twist_nan = (nan.copy(), nan.copy()) if out_of_plane else (None, None)
        return SegmentAngles(placement, time_s, nan, tilt_nan, twist_nan, filled, quat, cal, fs)
    frame = SagittalFrame(up0, orthogonal_axis(raw_axis, up0), quat0)
    flex, tilt, twist = frame.angles_deg(quat, out_of_plane and bool(quiet))
    if np.nanmax(flex) < -np.nanmin(flex):
        # The reversed axis mirrors flexion and tilt and leaves twist as it is.
        frame = SagittalFrame(up0, -frame.axis, quat0)
        flex = -flex
        tilt = None if tilt is None else -tilt
    if not quiet:
        frame = _reference_to_tops(flex, quat, frame.axis)
        flex, tilt, twist = frame.angles_deg(quat, out_of_plane)
    quiet_s = (float(time_s[quiet[0]]), float(time_s[quiet[1] - 1])) if quiet else None
    for w in warnings:
        log.warning(w)
    cal = Calibration(bias, frame.up0, frame.axis, quiet_s, warnings)
    return SegmentAngles(placement, time_s, flex, tilt, twist, filled, quat, cal, fs)


def _reference_to_tops(flex: np.ndarray, quat: np.ndarray, axis: np.ndarray) -> SagittalFrame:
    """Re-reference to the standing cluster: samples in the least-flexed tenth of the range."""
    lo, hi = np.nanpercentile(flex, [1, 99])
    tops = flex <= lo + 0.1 * (hi - lo)
    up0 = up_in_sensor(quat[tops]).mean(axis=0)
    return SagittalFrame(up0 / np.linalg.norm(up0), axis, _mean_quat(quat[tops]))
