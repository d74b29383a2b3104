"""Emulated devices: virtual BLE sensors on an in-process Bumble link, driven by the simulator."""
