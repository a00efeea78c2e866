"""What the scenarios share and the library does not need: a phone's
link ready to sync (sync.py), to update (update.py), and the fault plan
with a robust phone app (faults.py).  Imported as ``scenarios.helpers.*``
(conformance/ is on the path, pytest.ini).
"""
