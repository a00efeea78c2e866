"""The band's Huami services as a phone app speaks them, over any Link:
auth and binding (auth.py), the activity fetch (fetch.py) and the
firmware update (firmware.py), on one base (base.py); the settings
(settings.py), heart rate (heartrate.py) and the band's own events,
find phone answered (devevents.py).
"""
