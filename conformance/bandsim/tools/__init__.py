"""Programs around the suite: the command line (``python3 -m bandsim``,
cli/), the report a run leaves (report.py), captures (btsnoop.py) and
their replay (replay.py), and the generated catalogues in docs/
(catalogue.py for the scenarios, faultdoc.py for the fault presets).
"""
