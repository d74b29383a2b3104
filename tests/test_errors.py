"""One base for every error the CLI reports in one line, and a type that says whose fault it is."""

import pickle
import sys

import pytest

from imuhinge.errors import AlignmentError, AnalysisError, DeviceError, ImuhingeError, InputError
from imuhinge.log.training_log import DuplicateSetError
from imuhinge.sources.ble import require_ble
from imuhinge.sources.ble.profiles import PacketError
from imuhinge.sources.ble.supervisor import SensorNotFoundError


def test_each_kind_of_failure_has_its_own_type_under_one_base():
    for kind in (InputError, DeviceError, AnalysisError):
        assert issubclass(kind, ImuhingeError)
    assert not issubclass(DeviceError, InputError) and not issubclass(AnalysisError, InputError)
    assert issubclass(AlignmentError, AnalysisError)
    assert issubclass(PacketError, InputError) and issubclass(DuplicateSetError, InputError)
    assert issubclass(SensorNotFoundError, DeviceError)


@pytest.mark.parametrize("kind", [InputError, DeviceError, AnalysisError, AlignmentError])
def test_message_names_the_file_and_line_and_survives_pickling(kind):
    err = kind("no full reps", "set.csv", 12)
    assert str(err) == "set.csv:12: no full reps"
    assert (err.problem, err.path, err.line) == ("no full reps", "set.csv", 12)
    assert str(kind("no full reps", "set.csv")) == "set.csv: no full reps"
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is kind and str(again) == str(err)


def test_missing_ble_packages_are_a_device_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "bumble", None)  # makes `import bumble` fail
    with pytest.raises(DeviceError, match=r"needs the Bluetooth packages \(bumble is missing\)"):
        require_ble()
