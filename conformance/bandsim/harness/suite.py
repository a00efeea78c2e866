"""Settings the fixtures start the band with, shared with the scenarios.

The band's clock is frozen (rate 0) at CLOCK_START and moves only through
AdvanceClock, so every time-dependent reply is exact.  TEST_KEY is the
key the band is bound to "as if the official app had paired it".
"""

CLOCK_START = 1716201000    # 2024-05-20 10:30:00 UTC
# A band that stands in for a real one (--bandsim-stand-in) has lived
# this long before a scenario meets it, and its clock then runs.
STAND_IN_LIVED_S = 3 * 3600
TEST_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
# The key a stand-in is bound to, as --auth-key is on a real band: not
# TEST_KEY, so a real-band scenario that authenticates with TEST_KEY
# instead of the target's key fails against the stand-in too.
STAND_IN_KEY = bytes.fromhex("5a17d0c4e9b3286f01a4c7e25d9b3f68")
OTHER_KEY = bytes.fromhex("f0e1d2c3b4a5968778695a4b3c2d1e0f")
