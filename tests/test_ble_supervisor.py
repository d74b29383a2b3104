"""Streaming real bleak calls against virtual sensors: scan, exact samples, faults, reconnects."""

import asyncio

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.model import G_MPS2, SensorStream
from imuhinge.sources.ble.profiles import DiyProfile, PolarPmdProfile, Thingy52Profile, WitMotionProfile
from imuhinge.sources.ble.profiles.diy import ACC_LSB_G, GYR_LSB_DPS
from imuhinge.sources.ble.scan import scan
from imuhinge.sources.ble.supervisor import SensorNotFoundError, SensorState, SensorTarget, Supervisor
from imuhinge.sources.emulated.ble import Faults, VirtualSensor
from imuhinge.sources.emulated.bumble_backend import BumbleLink, bumble_backend

# Scales of each profile's wire format, so test samples survive encoding exactly.
LSB = {
    "diy": (ACC_LSB_G[2], GYR_LSB_DPS[3]),
    "witmotion": (16 / 32768, 2000 / 32768),
    "polar_pmd": (8 / 32768, 2000 / 32768),
    "thingy52": (1 / 1024, 1 / 32),
}
RATE_HZ = {"diy": 100.0, "witmotion": 50.0, "polar_pmd": 52.0, "thingy52": 100.0}
# Sensors without a clock are numbered by arrival time; a slower emulation keeps the arrival
# jitter of a busy test machine (parallel workers) small against their sample period.
SPEED = {"diy": 20.0, "witmotion": 5.0, "polar_pmd": 20.0, "thingy52": 5.0}


def grid_samples(kind: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random but smooth samples on the profile's LSB grid (within +-2 g, +-500 deg/s)."""
    rng = np.random.default_rng(seed)
    acc_lsb, gyr_lsb = LSB[kind]
    acc = np.cumsum(rng.normal(0, 0.01, (n, 3)), axis=0) + np.array([0.0, 0.0, 1.0])
    gyr = np.cumsum(rng.normal(0, 2.0, (n, 3)), axis=0)
    return np.round(np.clip(acc, -2, 2) / acc_lsb) * acc_lsb, np.round(
        np.clip(gyr, -500, 500) / gyr_lsb
    ) * gyr_lsb


class Recorder:
    """A sink that keeps every block."""

    def __init__(self) -> None:
        self.blocks = []

    def __call__(self, block) -> None:
        self.blocks.append(block)

    def placement(self, placement: str) -> dict[str, np.ndarray]:
        blocks = [b for b in self.blocks if b.placement == placement]
        return {
            "time_s": np.concatenate([b.time_s for b in blocks]),
            "seq": np.concatenate([b.seq for b in blocks]),
            "acc_g": np.concatenate([b.acc_g for b in blocks]),
            "gyr_dps": np.concatenate([b.gyr_dps for b in blocks]),
            "gaps": [b.gap for b in blocks if b.gap is not None],
        }


async def stream_until_done(sensors, targets, **supervisor_kwargs):
    """Run a supervisor against started virtual sensors until they have sent everything."""
    link = BumbleLink.current()
    recorder = Recorder()
    supervisor = Supervisor(
        targets,
        recorder,
        backend=bumble_backend(),
        clock_ns=link.clock_ns,
        backoff_initial_s=0.02,
        **supervisor_kwargs,
    )
    task = asyncio.create_task(supervisor.run())
    await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in sensors)), 30)
    await link.sleep(0.5)
    supervisor.stop()
    await task
    return supervisor, recorder


def run_scenario(kind_specs, targets, speed=20.0, **supervisor_kwargs):
    """Start virtual sensors (kind, n, kwargs) and stream them; returns supervisor, recorder, data."""

    async def scenario():
        BumbleLink(speed=speed).make_current()
        sensors, data = [], []
        for i, (kind, n, kwargs) in enumerate(kind_specs):
            acc_g, gyr_dps = grid_samples(kind, n, seed=i)
            sensors.append(VirtualSensor(kind, acc_g, gyr_dps, RATE_HZ[kind], **kwargs))
            data.append((acc_g, gyr_dps))
        for sensor in sensors:
            await sensor.start()
        try:
            supervisor, recorder = await stream_until_done(sensors, targets, **supervisor_kwargs)
        finally:
            for sensor in sensors:
                await sensor.stop()
        return supervisor, recorder, data, sensors

    return asyncio.run(scenario())


def test_scan_lists_every_profile_with_rssi():
    async def scenario():
        BumbleLink(speed=20).make_current()
        sensors = [VirtualSensor(k, *grid_samples(k, 10), RATE_HZ[k]) for k in LSB]
        for sensor in sensors:
            await sensor.start()
        try:
            return await scan(0.3, backend=bumble_backend())
        finally:
            for sensor in sensors:
                await sensor.stop()

    found = asyncio.run(scenario())
    by_profile = {f.profile.name: f for f in found}
    assert set(by_profile) == set(LSB)
    assert isinstance(by_profile["polar_pmd"].profile, PolarPmdProfile)
    assert by_profile["witmotion"].name == "WT901BLE68" and by_profile["thingy52"].name == "Thingy"
    assert all(f.rssi == -50 for f in found)
    assert by_profile["diy"].description == "imuhinge DIY sensor (D1:00:00:00:00:01)"


@pytest.mark.parametrize(
    ("kind", "max_mtu"),
    [("diy", 247), ("diy", 23), ("witmotion", 247), ("witmotion", 23), ("polar_pmd", 247), ("thingy52", 247)],
)
@pytest.mark.slow
def test_every_sample_arrives_exactly_once(kind, max_mtu):
    n = 500
    supervisor, recorder, [(acc_g, gyr_dps)], [sensor] = run_scenario(
        [(kind, n, {"faults": Faults(max_mtu=max_mtu)})],
        [SensorTarget("upper_back")],
        speed=SPEED[kind],
    )
    out = recorder.placement("upper_back")
    np.testing.assert_array_equal(out["seq"], np.arange(n))
    np.testing.assert_array_equal(out["acc_g"], acc_g)
    np.testing.assert_array_equal(out["gyr_dps"], gyr_dps)
    assert out["gaps"] == [] and supervisor.gaps == []
    assert np.all(np.diff(out["time_s"]) > 0)
    period_s = np.median(np.diff(out["time_s"]))
    assert period_s == pytest.approx(1 / RATE_HZ[kind], rel=0.01)
    if kind == "diy":
        per_notification = 1 if max_mtu == 23 else 2
        assert sensor.stats.notifications == n / per_notification
    status = supervisor.status["upper_back"]
    assert status.state is SensorState.STOPPED and status.connections == 1
    assert supervisor.sample_rates_hz == {"upper_back": RATE_HZ[kind]}


@pytest.mark.slow
def test_duplicated_and_reordered_notifications_are_put_right():
    faults = Faults(duplicate=0.1, reorder=0.1, seed=3)
    specs = [("diy", 1500, {"faults": faults}), ("polar_pmd", 1500, {"faults": faults})]
    targets = [SensorTarget("upper_back", profile="diy"), SensorTarget("sacrum", profile="polar_pmd")]
    supervisor, recorder, data, sensors = run_scenario(specs, targets)
    for placement, (acc_g, gyr_dps), sensor in zip(("upper_back", "sacrum"), data, sensors, strict=True):
        out = recorder.placement(placement)
        assert sensor.stats.duplicated > 0 and sensor.stats.reordered > 0
        np.testing.assert_array_equal(out["seq"], np.arange(1500))
        np.testing.assert_array_equal(out["acc_g"], acc_g)
        np.testing.assert_array_equal(out["gyr_dps"], gyr_dps)
        assert supervisor.status[placement].stream.clock.stats.duplicate_samples > 0
    assert supervisor.gaps == []


@pytest.mark.slow
def test_lost_and_malformed_notifications_become_exact_gaps():
    faults = Faults(loss=0.05, corrupt=0.02, seed=4)
    supervisor, recorder, [(acc_g, _)], [sensor] = run_scenario(
        [("diy", 2000, {"faults": faults})], [SensorTarget("upper_back")]
    )
    out = recorder.placement("upper_back")
    stream = supervisor.status["upper_back"].stream
    assert stream.stats.malformed == sensor.stats.corrupted > 0
    np.testing.assert_array_equal(out["acc_g"], acc_g[out["seq"]])
    missing = sum(g.missing_samples for g in out["gaps"])
    assert missing == 2000 - len(out["seq"]) > 0
    assert np.all(np.diff(out["seq"]) >= 1)


@pytest.mark.slow
def test_forced_disconnect_reconnects_and_marks_the_gap():
    faults = Faults(disconnect_at_s=(3.0,), readvertise_after_s=0.5)
    supervisor, recorder, [(acc_g, _)], [sensor] = run_scenario(
        [("diy", 1000, {"faults": faults})], [SensorTarget("upper_back", name="imuhinge-diy")]
    )
    out = recorder.placement("upper_back")
    (gap,) = out["gaps"]
    assert sensor.stats.forced_disconnects == 1 and supervisor.status["upper_back"].connections == 2
    assert gap.missing_samples == 1000 - len(out["seq"]) and gap.missing_samples >= 50
    assert gap.start_s == pytest.approx(2.99 + out["time_s"][0], abs=0.05)
    np.testing.assert_array_equal(out["acc_g"], acc_g[out["seq"]])
    assert supervisor.gaps == [gap]


@pytest.mark.slow
def test_clockless_sensor_reconnect_marks_an_approximate_gap():
    faults = Faults(disconnect_at_s=(4.0,), readvertise_after_s=0.5)
    _, recorder, [(acc_g, _)], _ = run_scenario(
        [("witmotion", 500, {"faults": faults})], [SensorTarget("upper_back")], speed=5.0
    )
    out = recorder.placement("upper_back")
    (gap,) = out["gaps"]
    before = out["seq"] < 200
    np.testing.assert_array_equal(out["acc_g"][before], acc_g[:200])
    assert gap.missing_samples == pytest.approx(500 - len(out["seq"]), abs=3)
    assert np.all(np.diff(out["time_s"]) > 0)


@pytest.mark.slow
def test_two_sensors_at_once():
    specs = [
        ("diy", 1200, {"name": "imuhinge-ub", "address": "D1:00:00:00:00:01"}),
        ("diy", 1200, {"name": "imuhinge-sc", "address": "D1:00:00:00:00:02"}),
    ]
    targets = [SensorTarget("upper_back", name="imuhinge-ub"), SensorTarget("sacrum", name="imuhinge-sc")]
    # At 20x a few connection events are a few milliseconds of wall time, which a loaded machine
    # can spend between the two connections; 5x keeps the check about the protocol, not the load.
    supervisor, recorder, data, _ = run_scenario(specs, targets, speed=5.0)
    for placement, (acc_g, gyr_dps) in zip(("upper_back", "sacrum"), data, strict=True):
        out = recorder.placement(placement)
        np.testing.assert_array_equal(out["acc_g"], acc_g)
        np.testing.assert_array_equal(out["gyr_dps"], gyr_dps)
    ub, sc = recorder.placement("upper_back"), recorder.placement("sacrum")
    # both sensors started streaming within a few connection events of each other
    assert abs(ub["time_s"][0] - sc["time_s"][0]) < 0.5
    assert supervisor.devices == {
        "upper_back": "imuhinge DIY sensor (D1:00:00:00:00:01)",
        "sacrum": "imuhinge DIY sensor (D1:00:00:00:00:02)",
    }


@pytest.mark.slow
def test_first_supported_sensors_are_shared_out_between_placements():
    specs = [("thingy52", 300, {}), ("witmotion", 150, {})]
    targets = [SensorTarget("upper_back"), SensorTarget("sacrum")]
    supervisor, recorder, _, _ = run_scenario(specs, targets, speed=5.0)
    kinds = {s.sensor.profile.name for s in supervisor.status.values()}
    assert kinds == {"thingy52", "witmotion"}
    assert {b.placement for b in recorder.blocks} == {"upper_back", "sacrum"}


def test_cancelling_run_stops_the_sensor_and_flushes():
    async def scenario():
        link = BumbleLink(speed=20).make_current()
        acc_g, gyr_dps = grid_samples("diy", 5000)
        recorder = Recorder()
        async with VirtualSensor("diy", acc_g, gyr_dps, 100.0) as sensor:
            supervisor = Supervisor(
                [SensorTarget()], recorder, backend=bumble_backend(), clock_ns=link.clock_ns
            )
            task = asyncio.create_task(supervisor.run())
            await asyncio.wait_for(supervisor.ready.wait(), 5)
            await link.sleep(2.0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not sensor._streaming and sensor._connection is None
            return recorder, sensor, acc_g

    recorder, sensor, acc_g = asyncio.run(scenario())
    out = recorder.placement("upper_back")
    assert len(out["seq"]) == sensor.stats.samples_sent > 100
    np.testing.assert_array_equal(out["acc_g"], acc_g[: len(out["seq"])])


def test_missing_sensor_and_bad_rate_are_clear_errors():
    async def scenario(target):
        BumbleLink(speed=20).make_current()
        async with VirtualSensor("witmotion", *grid_samples("witmotion", 10), 50.0):
            supervisor = Supervisor([target], Recorder(), backend=bumble_backend(), connect_timeout_s=0.3)
            await supervisor.run()

    with pytest.raises(SensorNotFoundError, match="no imuhinge-xyz for upper_back"):
        asyncio.run(scenario(SensorTarget(name="imuhinge-xyz")))
    with pytest.raises(InputError, match="cannot stream at 400 Hz"):
        asyncio.run(scenario(SensorTarget(rate_hz=400)))


def test_profile_classes_are_what_scan_reports():
    assert {p.name for p in (DiyProfile, WitMotionProfile, PolarPmdProfile, Thingy52Profile)} == set(LSB)


def test_virtual_sensor_from_a_si_sensor_stream():
    time_s = np.arange(5) / 100.0
    acc = np.tile([0.0, 0.0, G_MPS2], (5, 1))
    gyr = np.tile([np.pi, 0.0, 0.0], (5, 1))
    sensor = VirtualSensor.from_sensor_stream("diy", SensorStream("sacrum", time_s, acc, gyr), 100.0)
    np.testing.assert_allclose(sensor.acc_g[:, 2], 1.0)
    np.testing.assert_allclose(sensor.gyr_dps[:, 0], 180.0)
    gappy = SensorStream("sacrum", time_s, acc, gyr, np.array([0, 1, 2, 4, 5]))
    with pytest.raises(ValueError, match="gaps"):
        VirtualSensor.from_sensor_stream("diy", gappy, 100.0)


def test_targets_must_name_known_distinct_placements():
    with pytest.raises(InputError, match="unknown placement 'neck'"):
        Supervisor([SensorTarget("neck")], Recorder())
    with pytest.raises(InputError, match="one target per placement"):
        Supervisor([SensorTarget(), SensorTarget()], Recorder())
