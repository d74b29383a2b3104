"""Live sample sources: Bluetooth LE sensors, phones, and emulated devices for tests and --simulate."""

PHONE_APPS = ("phyphox", "sensorlogger")  # here, not in sources.phone, so the CLI parser stays light
