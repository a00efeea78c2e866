"""What the scenarios share and the library does not need:

- links.py: a link as a phone app opens it, and closing() for the
  factory fixtures of scenarios/conftest.py;
- pdus.py: PDUs written and compared as hex;
- events.py: the band's events (Events signals) counted from a mark;
- sync.py: band time in minutes, a link ready to fetch, the band's log;
- update.py: a link ready to upload, the install, the firmware slots;
- faults.py: the fault presets, arming one, and a robust phone app.

Imported as ``scenarios.helpers.*`` (conformance/ is on the path,
pytest.ini).
"""
