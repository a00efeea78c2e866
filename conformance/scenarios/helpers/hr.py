"""What the heart-rate scenarios share: the band's heart-rate policies
from the profile, which logged minutes carry a heart rate, plausible
readings, and an app's heart-rate client on an authenticated link.

docs/policies.md "Heart rate" is the rule behind measured(): the band
logs a minute's heart rate only if it measured one in that minute, on its
own (the all-day interval, sleep assist) or for an app.
"""

from bandsim.clients.heartrate import HeartRateClient
from bandsim.clients.settings import SettingsClient
from bandsim.protocol import settings as S
from bandsim.protocol.heartrate import NO_HEART_RATE
from bandsim.protocol.values import MINUTE

from .policy import HR_SLEEP_INTERVAL as SLEEP_INTERVAL

# protocol §4.2 kinds
SLEEP = (0x09, 0x0B)
OFF_THE_WRIST = (0x03, 0x06)        # not worn, charging
# Any human heart at rest or running, and what the wearer's kinds give
# (docs/sync.md "Band life", give or take a reading's 2 bpm).
PLAUSIBLE = range(30, 221)
BY_KIND = {0x00: range(58, 83), 0x01: range(83, 113), 0x02: range(118, 173),
           0x09: range(48, 63), 0x0B: range(43, 55)}


def measured(ts: int, kind: int, interval: int, sleep_assist: bool,
             sleep_interval: int = SLEEP_INTERVAL) -> bool:
    """Whether the band measures a heart rate on its own in the minute
    starting at band local ts (docs/policies.md#heart-rate)."""
    minute = ts // MINUTE
    if kind in OFF_THE_WRIST:
        return False
    if sleep_assist and kind in SLEEP and minute % sleep_interval == 0:
        return True
    return bool(interval) and minute % interval == 0


def check_logged_heart_rate(samples, interval: int, sleep_assist: bool,
                            app_minutes=()) -> int:
    """Every sample carries a heart rate exactly where the band measured
    one (an app measured in app_minutes too), in the wearer's range for
    its kind; how many did."""
    count = 0
    for ts, data in samples:
        kind, hr = data[0], data[3]
        want = measured(ts, kind, interval, sleep_assist) or (
            ts in app_minutes and kind not in OFF_THE_WRIST)
        where = f"{ts} {bytes(data).hex(' ')}"
        if not want:
            assert hr == NO_HEART_RATE, f"unmeasured minute {where}"
            continue
        assert hr in BY_KIND.get(kind, PLAUSIBLE), f"measured minute {where}"
        count += 1
    return count


def heart_rate_client(att) -> HeartRateClient:
    """Subscribed to 0x2A37, as an app does before it measures."""
    client = HeartRateClient(att)
    client.enable_notifications()
    return client


def set_hr_settings(att, interval: int = None, sleep_assist: bool = None):
    """The all-day interval and sleep assist as an app writes them
    (14 <minutes>, 15 00 <on> on 0x2A39), taken when this returns."""
    settings = SettingsClient(att)
    if interval is not None:
        settings.write(S.hr_interval(interval))
    if sleep_assist is not None:
        settings.write(S.sleep_assist(sleep_assist))
    settings.settle()
