"""Virtual sensors: emulated BLE peripherals on a ``BumbleLink`` speaking each profile's bytes."""

from imuhinge.sources.emulated.ble.sensor import EMULATIONS, Faults, VirtualSensor, VirtualSensorStats

__all__ = ["EMULATIONS", "Faults", "VirtualSensor", "VirtualSensorStats"]
