"""WitMotion WT901BLE: 20-byte 55 61 frames, several per notification, rate commands."""

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.sources.ble.profiles import PacketError, WitMotionProfile
from imuhinge.sources.ble.profiles.witmotion import WRITE_UUID, encode_frame

# acc (0, 0, 2048) = 1 g z; gyro (164, -164, 0) = 10.009765625 deg/s; angles (0, 0, 16384) = 90 deg
FRAME = bytes.fromhex("55 61 00 00 00 00 00 08 a4 00 5c ff 00 00 00 00 00 00 00 40")


def test_frame_vector():
    packet = WitMotionProfile().decode(FRAME)
    np.testing.assert_array_equal(packet.acc_g, [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(packet.gyr_dps, [[10.009765625, -10.009765625, 0.0]])
    assert packet.sensor_time_s is None and packet.counter is None


def test_several_frames_in_one_notification():
    second = encode_frame([-16.0, 0.5, 0.0], [0.0, 0.0, 1999.93896484375], [0, 0, 0])
    packet = WitMotionProfile().decode(FRAME + second)
    assert len(packet) == 2
    np.testing.assert_array_equal(packet.acc_g[1], [-16.0, 0.5, 0.0])
    np.testing.assert_array_equal(packet.gyr_dps[1], [0.0, 0.0, 1999.93896484375])


def test_encode_frame_matches_vector():
    assert encode_frame([0, 0, 1.0], [10.009765625, -10.009765625, 0], [0, 0, 90.0]) == FRAME


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "not 20-byte frames"),
        (FRAME[:19], "not 20-byte frames"),
        (FRAME + FRAME[:5], "not 20-byte frames"),
        (bytes.fromhex("55 53") + FRAME[2:], "not 55 61"),
        (FRAME + bytes.fromhex("55 71") + FRAME[2:], "not 55 61"),
    ],
)
def test_malformed_notifications(data, problem):
    with pytest.raises(PacketError, match=problem):
        WitMotionProfile().decode(data)


def test_random_round_trip():
    rng = np.random.default_rng(2)
    raw = rng.integers(-32768, 32768, size=(5, 9))
    acc_g, gyr_dps = raw[:, :3] * 16 / 32768, raw[:, 3:6] * 2000 / 32768
    angle_deg = raw[:, 6:] * 180 / 32768
    data = b"".join(map(encode_frame, acc_g, gyr_dps, angle_deg))
    packet = WitMotionProfile().decode(data)
    np.testing.assert_array_equal(packet.acc_g, acc_g)
    np.testing.assert_array_equal(packet.gyr_dps, gyr_dps)


def test_start_writes_unlock_then_rate():
    writes = WitMotionProfile().start_writes()
    assert [w.data.hex(" ") for w in writes] == ["ff aa 69 88 b5", "ff aa 03 08 00"]
    assert all(w.char_uuid == WRITE_UUID and not w.response for w in writes)
    assert WitMotionProfile().with_rate(200).start_writes()[1].data == bytes.fromhex("ffaa030b00")
    assert WitMotionProfile().with_rate(10).start_writes()[1].data == bytes.fromhex("ffaa030600")
    with pytest.raises(InputError, match="cannot stream at 400 Hz"):
        WitMotionProfile().with_rate(400)
