"""DIY profile: byte vectors from firmware_notes/diy_profile.md, malformed packets, round trips."""

import numpy as np
import pytest

from imuhinge.sources.ble.profiles import PacketError
from imuhinge.sources.ble.profiles.diy import (
    ACC_LSB_G,
    CONFIG_UUID,
    FLAG_CLIPPED,
    GYR_LSB_DPS,
    DiyConfig,
    DiyProfile,
    decode_config,
    encode_config,
    encode_packet,
    samples_per_notification,
)

VECTOR_1 = bytes.fromhex(
    "22 98 ff ff 40 42 0f 00 00 00 00 00 02 10 64 00 38 ff 00 00 fe ef 29 00 00 10 ff ff ff 7f 00 80"
)
VECTOR_2 = bytes.fromhex("21 21 07 00 f0 ff ff ff 09 40 f7 bf 00 00 01 00 02 00 fd ff")


def test_vector_1_two_samples_counter_wraps():
    packet = DiyProfile(sample_rate_hz=100.0).decode(VECTOR_1)
    np.testing.assert_allclose(
        packet.acc_g, [[0.0, 0.0, 0.999912], [-0.999912, 0.010004, 0.999424]], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        packet.gyr_dps, [[3.5, -7.0, 0.0], [-0.035, 1146.845, -1146.88]], rtol=0, atol=1e-9
    )
    np.testing.assert_array_equal(packet.counter, [65535, 0])
    np.testing.assert_allclose(packet.sensor_time_s, [1.0, 1.01])


def test_vector_2_ranges_2g_2000dps_and_flags():
    packet = DiyProfile(sample_rate_hz=200.0).decode(VECTOR_2)
    np.testing.assert_allclose(packet.acc_g, [[0.999973, -0.999973, 0.0]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(packet.gyr_dps, [[0.07, 0.14, -0.21]], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(packet.counter, [7])
    np.testing.assert_allclose(packet.sensor_time_s, [4294.96728])


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "too short"),
        (VECTOR_1[:19], "too short"),
        (VECTOR_1[:-1], "cannot hold"),
        (VECTOR_1 + b"\x00" * 12, "cannot hold"),
        (bytes([0x42]) + VECTOR_1[1:], "version 2"),
        (VECTOR_1[:1] + bytes([0xB8]) + VECTOR_1[2:], "gyro range code 7"),
    ],
)
def test_malformed_packets_raise_packet_error(data, problem):
    with pytest.raises(PacketError, match=problem):
        DiyProfile().decode(data)


def test_encode_matches_vector_and_round_trips():
    acc_g = np.array([[0, 0, 4098], [-4098, 41, 4096]]) * ACC_LSB_G[2]
    gyr_dps = np.array([[100, -200, 0], [-1, 32767, -32768]]) * GYR_LSB_DPS[3]
    assert encode_packet(65535, 1_000_000, acc_g, gyr_dps, 2, 3) == VECTOR_1
    packet = DiyProfile().decode(encode_packet(65535, 1_000_000, acc_g, gyr_dps, 2, 3))
    np.testing.assert_array_equal(packet.acc_g, acc_g)
    np.testing.assert_array_equal(packet.gyr_dps, gyr_dps)


def test_random_round_trip_every_range():
    rng = np.random.default_rng(1)
    for acc_code in range(len(ACC_LSB_G)):
        for gyr_code in range(len(GYR_LSB_DPS)):
            raw = rng.integers(-32768, 32768, size=(19, 6))
            acc_g, gyr_dps = raw[:, :3] * ACC_LSB_G[acc_code], raw[:, 3:] * GYR_LSB_DPS[gyr_code]
            data = encode_packet(123, 456, acc_g, gyr_dps, acc_code, gyr_code)
            packet = DiyProfile().decode(data)
            np.testing.assert_array_equal(packet.acc_g, acc_g)
            np.testing.assert_array_equal(packet.gyr_dps, gyr_dps)


def test_clipping_sets_the_flag():
    data = encode_packet(0, 0, np.array([[9.0, 0, 0]]), np.zeros((1, 3)), 2, 3)
    assert data[1] & FLAG_CLIPPED
    assert DiyProfile().decode(data).acc_g[0, 0] == pytest.approx(32767 * ACC_LSB_G[2])


def test_samples_per_notification_fit_the_mtu():
    assert samples_per_notification(23) == 1
    assert samples_per_notification(247) == 19
    assert samples_per_notification(512) == 31


def test_config_and_start_stop_writes():
    profile = DiyProfile().with_rate(200)
    (start,) = profile.start_writes()
    (stop,) = profile.stop_writes()
    assert start.char_uuid == stop.char_uuid == CONFIG_UUID
    assert start.data == bytes.fromhex("c8 00 02 03 00 01")
    assert decode_config(stop.data) == DiyConfig(200, 2, 3, 0, False)
    assert decode_config(encode_config(DiyConfig(50, 0, 4, 4, True))) == DiyConfig(50, 0, 4, 4, True)
    with pytest.raises(PacketError):
        decode_config(b"\x00\x00\x00\x00\x00\x00")
