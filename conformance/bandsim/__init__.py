"""Python side of bandsim: a Huami client for a Mi Band 4, emulated or
real, and what the conformance suite drives and judges it with.

Layers, each importing only from the ones above it in this list:

- ``protocol``: UUIDs, ATT codes, the Huami command replies, value
  decoders and the profile (the GATT table as data); no I/O but reading
  the profile;
- ``link``: the Link to a band and its errors: the emulator's socket, or
  bleak on BlueZ; deadlines;
- ``bleak``: a backend for bleak (BleakClient, BleakScanner) over the
  socket transport, and ``with_band``, which makes it bleak's default
  for an unmodified bleak program (``python3 -m bandsim.with_band``);
- ``clients``: auth, activity fetch, firmware update, settings and heart
  rate over a Link;
- ``harness``: the emulator process, a private D-Bus bus, the control
  plane client, the suite's targets and settings, the update files, and
  the bands the pytest plugin (``bandsim_pytest``, beside this package)
  hands to other projects' tests;
- ``oracles``: liveness, ground truth and the state snapshot;
- ``tools``: the command line (``python3 -m bandsim``), the report,
  capture replay, transcripts and their diff, and the generated
  catalogues.

The same profile file feeds the emulator and this package, so the suite
derives its expectations from data instead of restating the GATT table.
"""
