"""NIC and optical module temperature monitor: EEPROM decoders, sources, alert logic and alert sinks."""
