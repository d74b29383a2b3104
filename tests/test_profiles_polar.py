"""Polar PMD: Polar's own test vectors, frames built by an independent bit packer, control point."""

import struct

import numpy as np
import pytest

from imuhinge.sources.ble.profiles import PacketError, PolarPmdProfile
from imuhinge.sources.ble.profiles.polar_pmd import (
    ACC,
    CONTROL_UUID,
    GYRO,
    encode_data_frame,
    encode_delta_frames,
    encode_start_response,
    parse_delta_frames,
)

# Vectors from polar-ble-sdk's Android unit tests (GyrDataTest, AccDataTest).
GYRO_COMPRESSED_TYPE0 = bytes.fromhex("05 ff ff ff ff ff ff ff 7f 80 ea ff 08 00 0d 00 03 01 df 00")
GYRO_COMPRESSED_TYPE1 = bytes.fromhex(
    "05 00 94 35 77 00 00 00 00 81 00 00 80 3f 00 00 20 41 00 00 a0 41 1c 01 00 00 a0 01 00 00 08 cd cc ec 0d"
)
ACC_COMPRESSED_TYPE1 = bytes.fromhex("02 65 00 00 00 00 00 00 00 81 f1 ff 14 00 f0 03 06 01 7b 0f 08")
ACC_RAW_TYPE1 = bytes.fromhex("02 00 94 35 77 00 00 00 00 01 f7 ff ff ff e7 03 f8 ff fe ff e5 03")
ACC_COMPRESSED_TYPE0 = bytes.fromhex(
    "02 00 94 35 77 00 00 00 00 80"
    " 71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F 92 BF"
    " EE 4B E4 B1 FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E 7B 2F 8B E3"
    " CE 8B E2 BA F7 A2 B8 EE BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC 18 FE 3B 2F 84 03"
    " BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC 2E 81 13 AF 0B E0 C6 EF F2 F7 F1 B9 FC 7D BC 2E 7D 27"
    " 9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F 4B DE CE E3 92 F7 F3 B8 E0 0D FD 2D 77 4B"
    " 7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC D7 D7 32 37 F6 B5 C8 8D 7D 2D 71 6B"
    " 4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F 4B DB E0 CF D2 36 F8 B2 B0 2D BE 2C 6C 8F"
    " 1F CB DA E3 C7 A2 76 F9"
)
VERITY_ACC_FACTOR = float(np.float32(2.44e-4))


def _float_bits(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def pack_fields(values, width: int) -> bytes:
    """Independent bit packer: each field LSB first, fields in order, bytes filled LSB first."""
    bits = "".join(format(v & ((1 << width) - 1), f"0{width}b")[::-1] for v in values)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i : i + 8][::-1], 2) for i in range(0, len(bits), 8))


def test_polar_gyro_compressed_type0_vector():
    packet = PolarPmdProfile(gyr_factor=1.0).decode(GYRO_COMPRESSED_TYPE0)
    assert packet.acc_g is None
    np.testing.assert_array_equal(packet.gyr_dps, [[-22, 8, 13], [-23, 11, 16]])
    assert packet.sensor_time_s[-1] == pytest.approx(9223372036854775807e-9)


def test_polar_gyro_compressed_float_vector():
    packet = PolarPmdProfile(gyr_factor=1.0).decode(GYRO_COMPRESSED_TYPE1)
    expected = [[1.0, 10.0, 20.0], [10.0, 20.0, _float_bits(0x3F8CCCCD)]]
    np.testing.assert_array_equal(packet.gyr_dps, expected)


def test_polar_acc_compressed_type1_vector_in_mg():
    packet = PolarPmdProfile().decode(ACC_COMPRESSED_TYPE1)
    np.testing.assert_allclose(packet.acc_g, [[-0.015, 0.020, 1.008], [-0.020, 0.017, 1.008]])


def test_polar_acc_raw_type1_vector():
    packet = PolarPmdProfile().decode(ACC_RAW_TYPE1)
    np.testing.assert_allclose(packet.acc_g, [[-0.009, -0.001, 0.999], [-0.008, -0.002, 0.997]])
    np.testing.assert_allclose(packet.sensor_time_s, [2.0 - 1 / 52, 2.0])


def test_polar_verity_acc_compressed_type0_vector():
    assert len(ACC_COMPRESSED_TYPE0) == 10 + 218
    packet = PolarPmdProfile(acc_factor=VERITY_ACC_FACTOR).decode(ACC_COMPRESSED_TYPE0)
    assert len(packet) == 57
    raw = np.array([[1905, 27376, -29282], [1905 + 190, 27376 - 105, -29282 - 85]])
    np.testing.assert_array_equal(packet.acc_g[:2], raw * VERITY_ACC_FACTOR)
    assert np.all(np.abs(packet.acc_g) <= 8.0)
    np.testing.assert_allclose(np.diff(packet.sensor_time_s), 1 / 52)
    assert packet.sensor_time_s[-1] == pytest.approx(2.0)


@pytest.mark.parametrize("width", [1, 3, 7, 8, 13, 16])
def test_independent_packer_decodes(width):
    rng = np.random.default_rng(width)
    lo, hi = -(1 << (width - 1)), 1 << (width - 1)
    deltas = rng.integers(lo, hi, size=(9, 3))
    reference = np.array([-1000, 0, 32000])
    content = reference.astype("<i2").tobytes() + bytes([width, 9]) + pack_fields(deltas.ravel(), width)
    frame = struct.pack("<BQB", GYRO, 10**18, 0x80) + content
    # A factor small enough that every sum of deltas stays within a gyro's range (4000 deg/s).
    packet = PolarPmdProfile(gyr_factor=0.01).decode(frame)
    expected = np.vstack([reference, reference + np.cumsum(deltas, axis=0)])
    np.testing.assert_array_equal(packet.gyr_dps, expected * 0.01)


def test_two_blocks_and_module_encoder_agree_with_independent_packer():
    samples = np.array([[0, 0, 0], [1, -1, 0], [3, -2, 1], [-100, 200, 5], [-90, 190, 6]])
    content = parse_delta_frames(encode_delta_frames(samples, 16, block_samples=2), 3, 16)
    np.testing.assert_array_equal(content, samples)
    block_1 = bytes([3, 2]) + pack_fields([1, -1, 0, 2, -1, 1], 3)
    block_2 = bytes([9, 2]) + pack_fields([-103, 202, 4, 10, -10, 1], 9)
    assert encode_delta_frames(samples, 16, block_samples=2) == bytes(6) + block_1 + block_2


def test_random_round_trip_through_module_encoder():
    rng = np.random.default_rng(7)
    raw = np.cumsum(rng.integers(-300, 300, size=(40, 3)), axis=0)
    content = encode_delta_frames(raw, 16)
    frame = encode_data_frame(ACC, 5 * 10**17, 0x80, content)
    packet = PolarPmdProfile(acc_factor=VERITY_ACC_FACTOR).decode(frame)
    np.testing.assert_array_equal(packet.acc_g, raw * VERITY_ACC_FACTOR)


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (GYRO_COMPRESSED_TYPE0[:10], "too short"),
        (GYRO_COMPRESSED_TYPE0[:-1], "truncated"),
        (GYRO_COMPRESSED_TYPE0[:-3], "ends inside a block header"),
        (GYRO_COMPRESSED_TYPE0[:10] + b"\x01\x02", "shorter than its reference"),
        (GYRO_COMPRESSED_TYPE0[:16] + b"\x00\x01", "bit width 0"),
        (b"\x00" + GYRO_COMPRESSED_TYPE0[1:], "measurement type 0 was not requested"),
        (GYRO_COMPRESSED_TYPE0[:9] + b"\x00" + GYRO_COMPRESSED_TYPE0[10:], "GYRO raw frame"),
        (ACC_RAW_TYPE1[:-1], "not whole samples"),
        (ACC_RAW_TYPE1[:9] + b"\x05" + ACC_RAW_TYPE1[10:], "raw frame type 5"),
    ],
)
def test_malformed_frames(frame, problem):
    with pytest.raises(PacketError, match=problem):
        PolarPmdProfile(gyr_factor=1.0, acc_factor=1.0).decode(frame)


def test_compressed_frame_before_factor_is_an_error():
    with pytest.raises(PacketError, match="scale factor"):
        PolarPmdProfile().decode(GYRO_COMPRESSED_TYPE0)


def test_start_commands_and_factor_from_response():
    profile = PolarPmdProfile()
    writes = profile.start_writes()
    assert [w.char_uuid for w in writes] == [CONTROL_UUID, CONTROL_UUID]
    assert writes[0].data.hex(" ") == "02 02 00 01 34 00 01 01 10 00 02 01 08 00"
    assert writes[1].data.hex(" ") == "02 05 00 01 34 00 01 01 10 00 02 01 d0 07"
    assert [w.data.hex() for w in profile.stop_writes()] == ["0302", "0305"]
    profile = profile.apply_control_response(encode_start_response(ACC, factor=2.44e-4))
    profile = profile.apply_control_response(encode_start_response(GYRO, factor=0.0625))
    assert profile.acc_factor == VERITY_ACC_FACTOR and profile.gyr_factor == 0.0625
    assert encode_start_response(GYRO, factor=0.0625).hex(" ") == "f0 02 05 00 00 05 01 00 00 80 3d"


def test_refused_start_is_an_error():
    with pytest.raises(PacketError, match="invalid sample rate"):
        PolarPmdProfile().apply_control_response(encode_start_response(ACC, status=8))
    with pytest.raises(PacketError, match="not a Polar control point response"):
        PolarPmdProfile().apply_control_response(b"\x02\x02")


def test_h10_starts_acc_only():
    h10 = PolarPmdProfile(model="H10", sample_rate_hz=200.0)
    assert [w.data[1] for w in h10.start_writes()] == [ACC]
    assert h10.with_rate(100).sample_rate_hz == 100.0


@pytest.mark.parametrize(
    ("value", "problem"),
    [(float("nan"), "not a finite number"), (float("inf"), "not a finite number"), (1e20, "beyond any IMU")],
)
def test_float_gyro_frames_with_impossible_values_are_packet_errors(value, problem):
    reference = np.array([1.0, value, -2.0], dtype="<f4").view("<i4").tobytes()
    frame = struct.pack("<BQB", GYRO, 10**18, 0x81) + reference
    assert PolarPmdProfile(gyr_factor=1.0).decode(
        frame[:-12] + np.zeros(3, "<f4").tobytes()
    ).gyr_dps.shape == (1, 3)
    with pytest.raises(PacketError, match=problem):
        PolarPmdProfile(gyr_factor=1.0).decode(frame)


def test_the_h10_refuses_gyro_frames():
    h10 = PolarPmdProfile(model="H10", sample_rate_hz=200.0, gyr_factor=1.0)
    with pytest.raises(PacketError, match="Polar H10 has no gyroscope"):
        h10.decode(GYRO_COMPRESSED_TYPE0)
    assert len(h10.decode(ACC_RAW_TYPE1)) == 2


@pytest.mark.parametrize("factor", [float("nan"), float("inf"), 0.0, -1.0])
def test_a_start_response_with_an_impossible_factor_is_refused(factor):
    with pytest.raises(PacketError, match="scale factor"):
        PolarPmdProfile().apply_control_response(encode_start_response(GYRO, factor=factor))
