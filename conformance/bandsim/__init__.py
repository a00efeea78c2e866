"""Python side of bandsim: an ATT client, the shared profile reader and a
driver for the emulator process, used by the conformance scenarios.

The same profile file feeds the emulator and this package, so the suite
derives its expectations from data instead of restating the GATT table.
"""
