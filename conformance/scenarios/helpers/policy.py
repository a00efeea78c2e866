"""The default profile's policies that scenarios check the band against,
read once, one name per key of its [policy] section (docs/policies.md
says why each has the value it has). A scenario that runs the band with
another profile reads that profile instead."""

from bandsim.protocol.profile import default_profile

POLICY = default_profile().section("policy")

# The screen (docs/screen.md).
SCREEN_ON_S = POLICY.getint("screen-on-s")
SCREEN_NOTICE_S = POLICY.getint("screen-notice-s")
SCREEN_ALARM_S = POLICY.getint("screen-alarm-s")
SCREEN_MESSAGE_S = POLICY.getint("screen-message-s")
SCREEN_LOW_PERCENT = POLICY.getint("screen-low-battery-percent")

# Heart rate (docs/policies.md#heart-rate).
HR_MEASURE_S = POLICY.getint("hr-manual-measure-s")
HR_PERIOD_S = POLICY.getint("hr-continuous-period-ms") / 1000
HR_KEEPALIVE_S = POLICY.getint("hr-keepalive-timeout-s")
HR_SLEEP_INTERVAL = POLICY.getint("hr-sleep-interval-min")
HR_NOT_WORN_SENDS_ZERO = POLICY["hr-not-worn"] == "zero"

# Alerts and the chunked transfer.
PREPARE_QUEUE = POLICY.getint("prepare-queue")
CHUNK_MAX = POLICY.getint("chunk-max-bytes")
CHUNK_TIMEOUT_S = POLICY.getint("chunk-timeout-s")

# Settings, alarms and binding.
ALARM_SNOOZE_MIN = POLICY.getint("alarm-snooze-min")
ALARM_SNOOZE_TIMES = POLICY.getint("alarm-snooze-times")
SETTINGS_ERROR_STATUS = int(POLICY["settings-error-status"], 0)
CONFIRM_WINDOW_S = POLICY.getint("confirm-window-s")

# The log and the link.
FLASH_LOG_DAYS = POLICY.getint("flash-log-days")
CONNECTION_INTERVAL_S = int(POLICY["connection-interval-ms"]) / 1000
