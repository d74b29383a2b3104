"""The virtual dowel: what a dowel held along the back would show, from the sensors a set has.

The dowel drill lays a stick along the back, touching it at three points: the back of the head,
between the shoulder blades and above the tailbone. A neutral hinge keeps all three in contact. Each
contact is a comparison of two body segments, so each needs two sensors:

- the back of the head stays on the dowel while the neck keeps its standing angle to the upper back
  (head and upper-back sensors): the head drops off it (neck flexion) or cranes back (extension);
- above the tailbone stays on it while the lower back keeps its standing curve (upper-back and sacrum
  sensors): the lower back rounds off it, or arches at lockout;
- between the shoulder blades stays on it while the upper back keeps its curve. One sensor on the
  upper back gives that segment's angle, not its curve, so no set of these sensors measures it:
  rounding above the sensor shows in the neck angle, rounding below it in the lower back's.

Per rep, each contact point is held, lost in a named way, or not measured (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Phase, Rep, Targets


class ContactPoint(StrEnum):
    """Where the dowel touches the back; the value is the key in reports."""

    HEAD = "head"
    SHOULDER_BLADES = "shoulder_blades"
    TAILBONE = "tailbone"


class Coverage(StrEnum):
    """Whether a set's sensors could check a contact point."""

    CHECKED = "checked"
    MISSING_SENSOR = "missing_sensor"  # a placement it needs is not in the recording
    STREAM_NOT_USED = "stream_not_used"  # the streams are there, one could not be used (warnings say why)
    NOT_OBSERVABLE = "not_observable"  # no set of these placements can measure it


class ContactState(StrEnum):
    """What the dowel showed at a contact point during one rep."""

    HELD = "held"
    DROPPED = "dropped"
    CRANED = "craned"
    ROUNDED = "rounded"
    ARCHED = "arched"


# The two placements each contact point compares; the shoulder blades have none that suffice.
NEEDS: dict[ContactPoint, tuple[str, ...]] = {
    ContactPoint.HEAD: ("upper_back", "head"),
    ContactPoint.SHOULDER_BLADES: (),
    ContactPoint.TAILBONE: ("upper_back", "sacrum"),
}
_LOST_BY = {
    CueCode.HEAD_DROPPED: (ContactPoint.HEAD, ContactState.DROPPED),
    CueCode.NECK_CRANED: (ContactPoint.HEAD, ContactState.CRANED),
    CueCode.ROUNDED_BACK: (ContactPoint.TAILBONE, ContactState.ROUNDED),
    CueCode.OVEREXTENDED: (ContactPoint.TAILBONE, ContactState.ARCHED),
}


def contact_coverage(
    placements: Sequence[str], neck_measured: bool, lumbar_measured: bool
) -> dict[ContactPoint, Coverage]:
    """Which contact points a set could check.

    Parameters
    ----------
    placements : sequence of str
        The placements in the recording.
    neck_measured, lumbar_measured : bool
        Whether the analysis measured the neck angle and lumbar flexion (a stream may be present
        and still unusable, for example when its clock could not be matched).

    Returns
    -------
    dict
        A ``Coverage`` for every ``ContactPoint``.
    """
    measured = {ContactPoint.HEAD: neck_measured, ContactPoint.TAILBONE: lumbar_measured}
    out = {}
    for point, needs in NEEDS.items():
        if not needs:
            out[point] = Coverage.NOT_OBSERVABLE
        elif measured[point]:
            out[point] = Coverage.CHECKED
        elif all(p in placements for p in needs):
            out[point] = Coverage.STREAM_NOT_USED
        else:
            out[point] = Coverage.MISSING_SENSOR
    return out


def neck_cues(rep: Rep, targets: Targets) -> list[Cue]:
    """The head dropping off the dowel or craning back, against the limits; sets ``rep.neck_ok``.

    Parameters
    ----------
    rep : Rep
        With its neck peaks (None when the neck was not measured: no verdict then).
    targets : Targets
        ``neck_flexion_max_deg`` and ``neck_extension_max_deg``.

    Returns
    -------
    list of Cue
    """
    flexion, extension = rep.peak_neck_flexion_deg, rep.peak_neck_extension_deg
    if flexion is None or extension is None:
        rep.neck_ok = None
        return []
    cues = []
    if flexion > targets.neck_flexion_max_deg:
        where = None if rep.neck_flexion_phase is None else Phase(rep.neck_flexion_phase)
        cues.append(Cue(CueCode.HEAD_DROPPED, flexion, targets.neck_flexion_max_deg, where))
    if extension > targets.neck_extension_max_deg:
        where = None if rep.neck_extension_phase is None else Phase(rep.neck_extension_phase)
        cues.append(Cue(CueCode.NECK_CRANED, extension, targets.neck_extension_max_deg, where))
    rep.neck_ok = not cues
    return cues


def rep_contacts(rep: Rep) -> dict[ContactPoint, ContactState | None]:
    """What the dowel showed at each contact point in a judged rep (None: not measured).

    A contact lost in two ways (the head dropped, then craned) shows the way that passed its limit
    by more.
    """
    judged = {ContactPoint.HEAD: rep.neck_ok, ContactPoint.TAILBONE: rep.spine_ok}
    out: dict[ContactPoint, ContactState | None] = {
        point: None if judged.get(point) is None else ContactState.HELD for point in ContactPoint
    }
    worst: dict[ContactPoint, float] = {}
    for cue in rep.cues:
        if cue.code not in _LOST_BY or cue.limit is None:
            continue
        point, state = _LOST_BY[cue.code]
        excess = cue.value / cue.limit if cue.limit > 0 else float("inf")
        if excess > worst.get(point, 0.0):
            worst[point], out[point] = excess, state
    return out
