"""Nordic Thingy:52 raw motion data and motion config."""

import numpy as np
import pytest

from imuhinge.sources.ble.profiles import PacketError, Thingy52Profile
from imuhinge.sources.ble.profiles.thingy52 import (
    MOTION_CONFIG_UUID,
    MotionConfig,
    decode_motion_config,
    encode_raw,
)

# acc (1024, -512, 0) = (1, -0.5, 0) g; gyro (32, 0, -16) = (1, 0, -0.5) deg/s; compass (16, 32, 48)
RAW = bytes.fromhex("00 04 00 fe 00 00 20 00 00 00 f0 ff 10 00 20 00 30 00")


def test_raw_vector():
    packet = Thingy52Profile().decode(RAW)
    np.testing.assert_array_equal(packet.acc_g, [[1.0, -0.5, 0.0]])
    np.testing.assert_array_equal(packet.gyr_dps, [[1.0, 0.0, -0.5]])
    assert encode_raw([1.0, -0.5, 0.0], [1.0, 0.0, -0.5], [1.0, 2.0, 3.0]) == RAW


@pytest.mark.parametrize("data", [b"", RAW[:17], RAW + b"\x00\x00"])
def test_malformed(data):
    with pytest.raises(PacketError, match="18 bytes"):
        Thingy52Profile().decode(data)


def test_random_round_trip():
    raw = np.random.default_rng(3).integers(-32768, 32768, size=9)
    data = encode_raw(raw[:3] / 1024, raw[3:6] / 32, raw[6:] / 16)
    packet = Thingy52Profile().decode(data)
    np.testing.assert_array_equal(packet.acc_g[0], raw[:3] / 1024)
    np.testing.assert_array_equal(packet.gyr_dps[0], raw[3:6] / 32)


def test_start_write_sets_motion_frequency():
    (write,) = Thingy52Profile().with_rate(200).start_writes()
    assert write.char_uuid == MOTION_CONFIG_UUID
    assert write.data == bytes.fromhex("e8 03 f4 01 64 00 c8 00 00")
    assert decode_motion_config(write.data) == MotionConfig(motion_frequency_hz=200)
    with pytest.raises(PacketError):
        decode_motion_config(write.data[:-1])
