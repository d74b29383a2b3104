"""Recognising supported sensors in advertisements."""

import pytest

from imuhinge.errors import InputError
from imuhinge.sources.ble.profiles import (
    DiyProfile,
    PolarPmdProfile,
    Thingy52Profile,
    WitMotionProfile,
    get_profile,
    profile_for_advertisement,
)


@pytest.mark.parametrize(
    ("name", "uuids", "expected"),
    [
        ("imuhinge-ub", [], DiyProfile),
        (None, ["5E170001-FCFE-4F1A-8A99-2E9A92386EE2"], DiyProfile),
        ("WT901BLE68", [], WitMotionProfile),
        (None, ["0000ffe5-0000-1000-8000-00805f9a34fb"], WitMotionProfile),
        ("Polar Sense B5A43F2C", [], PolarPmdProfile),
        ("Thingy", [], Thingy52Profile),
        (None, ["ef680100-9b35-4933-9b10-52ffa9740042"], Thingy52Profile),
    ],
)
def test_recognised(name, uuids, expected):
    assert isinstance(profile_for_advertisement(name, uuids), expected)


@pytest.mark.parametrize(
    ("name", "uuids"),
    [("Keyboard", []), (None, ["0000180d-0000-1000-8000-00805f9b34fb"]), (None, [])],
)
def test_not_recognised(name, uuids):
    # 0000ffe5 with the SIG base 9b34fb is not the WitMotion service
    assert profile_for_advertisement(name, uuids) is None
    assert profile_for_advertisement(None, ["0000ffe5-0000-1000-8000-00805f9b34fb"]) is None


def test_polar_h10_has_no_gyro():
    h10 = profile_for_advertisement("Polar H10 A1B2C3D4", [])
    assert isinstance(h10, PolarPmdProfile) and not h10.has_gyro
    assert h10.rates_hz == (25.0, 50.0, 100.0, 200.0)
    assert PolarPmdProfile().has_gyro


def test_get_profile():
    assert isinstance(get_profile("thingy52"), Thingy52Profile)
    with pytest.raises(InputError, match="unknown sensor profile 'foo'"):
        get_profile("foo")
