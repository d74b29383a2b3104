"""BLE sensors: device profiles, clock and gap handling, streaming, supervisor, virtual sensors."""
