"""Live sample sources: Bluetooth LE sensors, phones, and emulated devices for tests and --simulate."""
