"""Programs around the suite: the command line (``python3 -m bandsim``,
cli/), the report a run leaves (report.py), captures (btsnoop.py),
their replay (replay.py) and their transcripts and diff (transcript.py;
jsondata.py is what the last two's files share), and the generated
catalogues in docs/ (catalogue.py for the scenarios, faultdoc.py for the
fault presets).
"""
