"""What drives a band in a test run: the emulator process and its status
pipe (process.py), a private D-Bus bus and one under the system bus's
policy (bus.py), the band's control plane (control.py), other local
users on the bus (buspolicy.py, which runs busprobe.py as them), the
targets the suite runs against and what each allows (targets.py), the
settings the fixtures start bands with (suite.py), the synthetic
update files (images.py) and the generators of the repository's other
fixtures (fixturedir.py).
"""
