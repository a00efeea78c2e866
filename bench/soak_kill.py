#!/usr/bin/python3
"""A thousand kill -9s: one band, killed at a random moment of what it is
doing, round after round, and checked after every restart.

Each round draws an activity (seeded PRNG, --seed) and a moment, starts
the activity and sends SIGKILL to the emulator at that moment:

  logging   band time running fast: an AdvanceClock of hours or days in
            flight, or SetClockRate with the clock read until the kill
  sync      a phone's sync (fetch, ack) at MTU 23 or 247
  firmware  an upload, verify, 05 and the boot after it
  settings  a 0x2A2B write (another local time, time zone and DST
            byte), or user info or a step goal on 00000008
  bind      a new key offered (01 00 <key>) and confirmed with a tap
  reset     a factory reset, from the menu or as 06 0B 00 01

The moment is a uniform draw over 1.1 times how long the activity took
when it ran to the end before (measured as the soak goes), so most kills
land inside it and some just after.  After each restart on the same
state directory the oracles say whether anything was lost:

  - the band boots (READY=1, advertising) and its files parse: band.ini
    agrees with Address and KeyId; firmware.ini, its slot image, the
    Firmware property and Software Revision agree;
  - the log (GetSamples): timestamps strictly increasing, every sample
    the life model's own for its minute (bandsim-life), every sample
    seen before the kill still there with the same bytes, the ack cursor
    not back behind an answered ack;
  - band time (Clock) not behind the last one read; 0x2A2B the RTC set
    before, or the one being written;
  - the key, the firmware, the RTC and the identity either the old one
    or the new one, never a mix;
  - and, every --check-every rounds and at the end, a full sync by the
    phone holds every sample of the band's log exactly once.

It prints a table by activity, the command, the machine and the time it
took; any failure with its round and the command that repeats the run
up to it.  docs/reliability.md has a 1000-round run.
"""

import configparser
import csv
import datetime
import io
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# benchlib puts conformance/ on the path: the bandsim package after it.
from benchlib import arguments, binary_path, command_line, machine

from bandsim.clients.auth import HuamiClient, key_id
from bandsim.clients.fetch import FetchClient, SyncState
from bandsim.clients.firmware import FirmwareClient, identify
from bandsim.harness.bus import PrivateBus
from bandsim.harness.control import ControlClient
from bandsim.harness.images import fixture
from bandsim.harness.process import BandProcess
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.oracles import ground_truth
from bandsim.protocol import settings as setting
from bandsim.protocol.profile import DEFAULT_PATH, default_profile
from bandsim.protocol.values import (MINUTE, decode_current_time,
                                     local_datetime, local_ts)

HOUR, DAY = 60 * MINUTE, 1440 * MINUTE
FOREVER = 1 << 63
PROFILE = default_profile()
CURRENT_TIME = PROFILE.characteristic("current-time")
SOFTWARE_REVISION = PROFILE.characteristic("software-revision")
CONFIG = PROFILE.characteristic("configuration")
USER_SETTINGS = PROFILE.characteristic("user-settings")
# Settings shows the RTC's time zone and DST byte too; check_rtc() has
# them.
RTC_KEYS = ("tz", "dst")
FACTORY_VERSION = PROFILE.section("device-info")["software-revision"]
LOG_DAYS = PROFILE.section("policy").getint("flash-log-days")
# Samples a sector of the flash log holds (docs/sync.md): once the log
# is this close to its capacity, the ring may erase its oldest sector.
SECTOR_SAMPLES = 255
IMAGES = [fixture("mb4-fw-1.0.9.99.fw"), fixture("mb4-fw-1.1.0.1.fw")]
BOOT_S = 10.5
FACTORY_RESET = bytes.fromhex("06 0b 00 01")
PROMPT = "pair-confirm"
TIMEOUT = 10.0

ACTIVITIES = ("logging", "sync", "firmware", "settings", "bind", "reset")
WEIGHTS = (30, 25, 10, 15, 10, 10)
# What an activity took when it ran to the end, before the soak has
# measured it (seconds): the first kills of each kind land around here.
FIRST_GUESS = {"logging": 0.005, "sync": 0.005, "firmware": 0.025,
               "settings": 0.005, "bind": 0.01, "reset": 0.003}
# What "old" and "new" mean in the table, by activity.
OUTCOMES = {
    "logging": ("band time where it was", "band time moved on"),
    "sync": ("nothing deleted", "ack took effect"),
    "firmware": ("old image", "new image"),
    "settings": ("old setting", "new setting"),
    "bind": ("old key (none)", "new key"),
    "reset": ("old identity", "new identity"),
}


class Failure(Exception):
    """An oracle found the band in a state it must never be in."""


# ---------------------------------------------------------------- kill

class Killer:
    """SIGKILL to pid after delay seconds, from a timer thread; finish()
    kills at once if the timer has not, and says which it was."""

    def __init__(self, pid: int, delay: float):
        self.pid = pid
        self.lock = threading.Lock()
        self.fired = False
        self.done = False
        self.timer = threading.Timer(delay, self._fire)
        self.timer.daemon = True
        self.started = None

    def _fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            os.kill(self.pid, signal.SIGKILL)

    def start(self) -> None:
        """The activity's part that the kill may hit begins now."""
        self.started = time.monotonic()
        self.timer.start()

    def finish(self) -> str:
        self.timer.cancel()
        with self.lock:
            self.done = True
            if self.fired:
                return "during"
            os.kill(self.pid, signal.SIGKILL)
            return "after"


# ---------------------------------------------------------- life model

class Life:
    """The wearer's samples as bandsim-life prints them, a day at a time:
    what the band must have logged for a minute, whatever its clock."""

    def __init__(self, tool: Path, seed: int):
        self.tool = tool
        self.seed = seed
        self.days = {}

    def sample(self, ts: int) -> bytes:
        day = ts // DAY
        if day not in self.days:
            start = local_datetime(day * DAY).date().isoformat()
            out = subprocess.run(
                [str(self.tool), "--seed", str(self.seed), "--start", start,
                 "--days", "1"], capture_output=True, text=True, check=True,
                timeout=TIMEOUT).stdout
            rows = csv.DictReader(io.StringIO(out))
            self.days[day] = {
                int(r["timestamp"]): bytes([int(r["kind"]),
                                            int(r["intensity"]),
                                            int(r["steps"]),
                                            int(r["heart_rate"])])
                for r in rows}
        return self.days[day][ts]


# ---------------------------------------------------------- the round

@dataclass
class Plan:
    """Everything a round draws from the PRNG, drawn before it starts,
    so that the same seed gives the same rounds whatever the timing."""
    activity: str
    moment: float               # fraction of the activity's duration
    advance_s: int = 0          # logging: AdvanceClock, or 0 for a rate
    rate: int = 0               # logging: SetClockRate
    mtu: int = 247              # sync
    backlog_s: int = 0          # sync: band time logged before it
    setting: str = "rtc"        # settings: rtc, user-info, step-goal
    delta_s: int = 0            # rtc: new local time - old
    tz: int = 0
    dst: int = 0
    user: tuple = ()            # user-info: birth, sex, cm, kg, id
    goal: int = 0               # step-goal
    key: bytes = b""            # bind, and a bind a round needs first
    by_command: bool = False    # reset: 06 0B 00 01 instead of the menu


def draw(rng: random.Random) -> Plan:
    plan = Plan(rng.choices(ACTIVITIES, WEIGHTS)[0], rng.random())
    if rng.random() < 0.5:
        plan.advance_s = rng.randint(1, 12) * HOUR
    elif rng.random() < 0.5:
        plan.advance_s = rng.randint(1, 3) * DAY
    plan.rate = rng.choice((3000, 10000, 30000))
    plan.mtu = rng.choice((23, 247))
    plan.backlog_s = rng.randint(1, 24) * HOUR
    plan.setting = rng.choice(("rtc", "rtc", "user-info", "step-goal"))
    plan.delta_s = rng.randint(-2 * HOUR, 2 * HOUR)
    plan.tz = rng.randint(-48, 56)
    plan.dst = rng.randint(0, 1)
    plan.user = (datetime.date(rng.randint(1930, 2015), rng.randint(1, 12),
                               rng.randint(1, 28)),
                 rng.choice(("male", "female", "other")),
                 rng.randint(120, 220), rng.randint(30, 150),
                 rng.getrandbits(32))
    plan.goal = rng.randint(1000, 30000)
    plan.key = rng.randbytes(16)
    plan.by_command = rng.random() < 0.5
    return plan


@dataclass
class Rtc:
    """The RTC the phone set: local time = band time + offset_ms."""
    offset_ms: int = 0
    tz: int = 0
    dst: int = 0


@dataclass
class Result:
    rounds: int = 0
    during: int = 0
    after: int = 0
    old: int = 0
    new: int = 0
    failures: list = field(default_factory=list)


class Soak:
    def __init__(self, args, binary: Path):
        self.args = args
        self.binary = binary
        self.rng = random.Random(args.seed)
        self.root = Path(tempfile.mkdtemp(prefix="bandsim-soak-"))
        self.state_dir = self.root / "state"
        self.bus = PrivateBus()
        self.control = None
        self.band = None
        self.round = 0
        self.life = Life(binary.parent / "bandsim-life", args.seed)
        self.durations = dict(FIRST_GUESS)
        self.results = {a: Result() for a in ACTIVITIES}
        # What the band is, as far as the soak knows.
        self.key = TEST_KEY
        self.seen = {}              # ts -> bytes: the log as last read
        self.ack_floor = 0          # AckedUntil after an answered ack
        self.clock = CLOCK_START * 1000
        self.rtc = Rtc()
        self.phone = SyncState(CLOCK_START - DAY)
        # The phone holds every sample of the band's log from here on.
        self.window_from = 0
        # Settings as a new band has them, and as the band keeps them.
        self.factory = {}
        self.settings_kept = {}

    # ------------------------------------------------------ the band

    def start(self, first: bool = False) -> None:
        workdir = Path(tempfile.mkdtemp(prefix=f"r{self.round}-",
                                        dir=self.root))
        self.band = BandProcess(
            self.binary, DEFAULT_PATH, workdir, state_dir=self.state_dir,
            control_address=self.bus.address, clock_rate=0,
            clock_start=CLOCK_START, auth_key=TEST_KEY if first else None,
            extra_args=["--quiet", "--life-seed", str(self.args.seed)])
        self.band.start()
        self.control.sync(TIMEOUT)

    def kill(self) -> None:
        self.band.kill()
        old = self.band.workdir
        self.band = None
        shutil.rmtree(old, ignore_errors=True)

    def link(self, mtu: int = 247, key: bytes = None):
        """An authenticated link (with the band's key), MTU exchanged."""
        att = self.band.connect(TIMEOUT)
        try:
            if mtu != 23:
                att.exchange_mtu(mtu)
            if key is not None:
                huami = HuamiClient(att)
                huami.enable_notifications()
                huami.authenticate(key)
            return att
        except BaseException:
            att.close()
            raise

    def close(self, att) -> None:
        self.band.disconnect(att, TIMEOUT)

    # --------------------------------------------------- activities

    def logging(self, plan: Plan, killer: Killer) -> bool:
        """True when band time moved on for good: the AdvanceClock was
        answered, or the fast clock was read past where it started."""
        if plan.advance_s:
            pending = self.control.call_nowait("AdvanceClock", "(d)",
                                               float(plan.advance_s))
            killer.start()
            pending.wait(TIMEOUT)
            self.clock = max(self.clock, self.control.get("Clock"))
            return True
        self.control.set_clock_rate(plan.rate)
        killer.start()
        began, polls = self.clock, 0
        while not killer.fired:
            self.clock = max(self.clock, self.control.get("Clock"))
            polls += 1
            if polls % 8 == 0:
                # Minutes logged meanwhile are seen, so their loss counts.
                last = max(self.seen, default=0)
                self.seen.update(self.control.get_samples(last + 1,
                                                          FOREVER))
            if time.monotonic() > self.deadline:
                break
        return self.clock > began

    def sync(self, plan: Plan, killer: Killer) -> bool:
        att = self.link(plan.mtu, self.key)
        fetch = FetchClient(att)
        fetch.enable_notifications()
        killer.start()
        try:
            fetch.sync(self.phone, ack=True, timeout=TIMEOUT)
        finally:
            att.close()
            self.note_acks()
        return True

    def note_acks(self) -> None:
        """The last sample of every round the band answered 10 03 01 to
        is deleted for good: AckedUntil never goes back behind it."""
        for r in self.phone.rounds:
            if r.acked and r.count:
                self.ack_floor = max(self.ack_floor,
                                     r.start_ts + (r.count - 1) * MINUTE)

    def firmware(self, plan: Plan, killer: Killer) -> bool:
        image = self.next_image()
        att = self.link(247, self.key)
        fw = FirmwareClient(att)
        fw.enable_notifications()
        killer.start()
        try:
            fw.update(image, timeout=TIMEOUT)
        finally:
            att.close()
        self.band.wait_status("DISCONNECTED=1", TIMEOUT)
        self.control.advance_clock(BOOT_S)
        self.band.wait_status("ADVERTISING=1", TIMEOUT)
        self.clock = max(self.clock, self.control.get("Clock"))
        return True

    def settings(self, plan: Plan, killer: Killer) -> bool:
        if plan.setting == "rtc":
            handle = CURRENT_TIME.value_handle
            value = self.current_time_value(plan)
        else:
            handle = USER_SETTINGS.value_handle
            value = self.user_write(plan).payload
        att = self.link(247, self.key)
        killer.start()
        try:
            att.write(handle, value)
        finally:
            att.close()
        return True

    @staticmethod
    def user_write(plan: Plan) -> setting.Write:
        if plan.setting == "user-info":
            return setting.user_info(*plan.user)
        return setting.step_goal(plan.goal)

    @staticmethod
    def user_values(plan: Plan) -> dict:
        """What Settings shows once the band took the write."""
        if plan.setting == "user-info":
            birth, sex, cm, kg, user_id = plan.user
            return {"birth-date": birth.isoformat(), "sex": sex,
                    "height-cm": cm, "weight-g": kg * 1000,
                    "user-id": user_id}
        return {"step-goal": plan.goal}

    def band_settings(self) -> dict:
        return {k: v for k, v in self.control.settings().items()
                if k not in RTC_KEYS}

    def bind(self, plan: Plan, killer: Killer) -> bool:
        att = self.link(247)
        huami = HuamiClient(att)
        huami.enable_notifications()
        killer.start()
        try:
            huami.send_bind(plan.key)
            self.control.wait_property("Prompt", PROMPT, TIMEOUT)
            self.control.press_button(TIMEOUT)
            huami.wait_bind(TIMEOUT)
        finally:
            att.close()
        return True

    def reset(self, plan: Plan, killer: Killer) -> bool:
        # 06 0B 00 01 is the owner's: an unbound band is reset from its
        # menu.
        if plan.by_command and self.key is not None:
            att = self.link(247, self.key)
            killer.start()
            try:
                att.write_command(CONFIG.value_handle, FACTORY_RESET)
                self.band.wait_dropped(TIMEOUT)
            finally:
                att.close()
        else:
            killer.start()
            self.control.factory_reset(TIMEOUT)
        return True

    # ----------------------------------------- what a round needs first

    def ensure_bound(self, key: bytes) -> None:
        """Sync, firmware and settings need an authenticated phone."""
        if self.control.get("Bound"):
            return
        att = self.link(247)
        try:
            huami = HuamiClient(att)
            huami.enable_notifications()
            huami.send_bind(key)
            self.control.wait_property("Prompt", PROMPT, TIMEOUT)
            self.control.press_button(TIMEOUT)
            huami.wait_bind(TIMEOUT)
        finally:
            self.close(att)
        self.key = key

    def ensure_unbound(self) -> None:
        """A bound band refuses another key until a reset
        (refuse-other-key): a bind round starts from a reset."""
        if not self.control.get("Bound"):
            return
        self.control.factory_reset(TIMEOUT)
        self.new_owner()

    def new_owner(self) -> None:
        """A reset took effect: no key, no log, a new phone."""
        self.key = None
        self.seen = {}
        self.ack_floor = 0
        self.phone = SyncState(0)
        self.window_from = 0
        self.settings_kept = dict(self.factory)

    def next_image(self) -> bytes:
        running = self.control.firmware()["version"]
        for image in IMAGES:
            if "V" + identify(image).version != running:
                return image
        raise AssertionError("no image to update to")

    def local_now(self) -> datetime.datetime:
        return local_datetime((self.clock + self.rtc.offset_ms) // 1000)

    def current_time_value(self, plan: Plan) -> bytes:
        when = self.local_now() + datetime.timedelta(seconds=plan.delta_s)
        return bytes([when.year & 0xFF, when.year >> 8, when.month,
                      when.day, when.hour, when.minute, when.second,
                      when.isoweekday(), 0, plan.dst, plan.tz & 0xFF])

    # ------------------------------------------------------- a round

    def run_round(self, plan: Plan) -> None:
        result = self.results[plan.activity]
        result.rounds += 1
        if plan.activity in ("sync", "firmware", "settings"):
            self.ensure_bound(plan.key)
        if plan.activity == "sync":
            # Something to sync: hours the phone has not seen yet.
            self.control.advance_clock(plan.backlog_s)
            self.clock = self.control.get("Clock")
        elif plan.activity == "bind":
            self.ensure_unbound()
        before = self.snapshot()
        delay = plan.moment * 1.1 * self.durations[plan.activity]
        killer = Killer(self.band.pid, delay)
        self.deadline = time.monotonic() + 2 * TIMEOUT
        completed, error = False, None
        try:
            completed = getattr(self, plan.activity)(plan, killer)
        except Exception as exc:                    # noqa: BLE001
            error = exc
        took = time.monotonic() - (killer.started or time.monotonic())
        phase = killer.finish()
        if phase == "after" and error is None:
            # Ran to the end: how long this activity takes, for the
            # moments of the next rounds.
            self.durations[plan.activity] = \
                0.5 * self.durations[plan.activity] + 0.5 * took
        setattr(result, phase, getattr(result, phase) + 1)
        self.kill()
        if error is not None and phase == "after":
            raise Failure(f"{plan.activity} failed with no kill: "
                          f"{type(error).__name__}: {error}")
        try:
            self.start()
        except Exception as exc:                    # noqa: BLE001
            raise Failure(f"the band does not boot: {exc}") from exc
        new = self.check(plan, before, completed and error is None)
        if new is not None:
            result.new += new
            result.old += not new

    def snapshot(self) -> dict:
        return {"address": self.control.get("Address"),
                "key_id": self.control.get("KeyId"),
                "firmware": self.control.firmware(),
                "clock": self.control.get("Clock"),
                "rtc": Rtc(self.rtc.offset_ms, self.rtc.tz, self.rtc.dst),
                "acked": self.control.acked_until()}

    # ------------------------------------------------------ oracles

    def check(self, plan: Plan, before: dict, answered: bool):
        """Raises Failure; returns whether the new state won (None where
        that means nothing)."""
        c = self.control
        address, kid = c.get("Address"), c.get("KeyId")
        self.check_band_ini(address, kid)
        new = None
        if plan.activity == "reset":
            new = address != before["address"]
            if new:
                if kid != "":
                    raise Failure(f"a new address {address} with a key "
                                  f"({kid})")
                self.new_owner()
        elif address != before["address"]:
            raise Failure(f"address {before['address']} became {address}")
        settings_new = self.check_settings(plan, bool(new))
        if plan.activity == "bind":
            allowed = {before["key_id"], key_id(plan.key)}
            if kid not in allowed:
                raise Failure(f"KeyId {kid!r}, neither the old nor the new")
            new = kid == key_id(plan.key)
            self.key = plan.key if new else None
        elif plan.activity != "reset" and kid != before["key_id"]:
            raise Failure(f"KeyId {before['key_id']!r} became {kid!r}")
        fw_new = self.check_firmware(before["firmware"])
        if plan.activity == "firmware":
            new = fw_new
        clock = c.get("Clock")
        if clock < self.clock:
            raise Failure(f"band time went back: Clock {clock}, read "
                          f"{self.clock} before the kill")
        if plan.activity == "logging":
            new = clock > before["clock"]
        self.clock = clock
        acked = self.check_log(plan.activity == "reset" and new)
        if plan.activity == "sync":
            new = acked > before["acked"]
        rtc_new = self.check_rtc(plan)
        if plan.activity == "settings":
            new = rtc_new if plan.setting == "rtc" else settings_new
        if answered and new is False and plan.activity in (
                "bind", "settings", "firmware", "reset"):
            raise Failure(f"{plan.activity} was answered before the kill, "
                          f"yet the band came back with the old state")
        return new

    def check_settings(self, plan: Plan, reset: bool):
        """Settings (settings.ini, read at start): the ones kept before,
        the ones being written, or after a reset the factory's; returns
        whether the written ones won (None where nothing was written)."""
        now = self.band_settings()
        old = self.settings_kept
        allowed = {"old": old}
        if plan.activity == "reset":
            # A reset that has begun may have put the factory's back
            # before it stored the new owner; one that took effect has.
            allowed = ({"factory": self.factory} if reset
                       else {"old": old, "factory": self.factory})
        elif plan.activity == "settings" and plan.setting != "rtc":
            allowed["new"] = {**old, **self.user_values(plan)}
        for name, values in allowed.items():
            if now == values:
                self.settings_kept = now
                return name == "new" if "new" in allowed else None
        diff = sorted(k for k in set(now) | set(old)
                      if now.get(k) != old.get(k))
        raise Failure(f"Settings are none of {sorted(allowed)}: "
                      f"{', '.join(f'{k} {old.get(k)!r} -> {now.get(k)!r}' for k in diff[:6])}")

    def check_band_ini(self, address: str, kid: str) -> None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(self.state_dir / "band.ini", encoding="utf-8")
            stored = parser["band"]["address"]
        except (configparser.Error, KeyError) as exc:
            raise Failure(f"band.ini: {exc}") from exc
        if stored != address:
            raise Failure(f"band.ini has {stored}, the band says {address}")
        key = (bytes.fromhex(parser["binding"]["key"])
               if parser.has_section("binding") else None)
        if (key_id(key) if key else "") != kid:
            raise Failure(f"band.ini's key is not KeyId {kid!r}")
        text = (self.state_dir / "time.ini").read_text(encoding="utf-8")
        try:
            configparser.ConfigParser(interpolation=None).read_string(text)
        except configparser.Error as exc:
            raise Failure(f"time.ini: {exc}") from exc
        if not text.endswith("[end]\n"):
            raise Failure("time.ini does not end with its [end] line")

    def check_firmware(self, before: dict) -> bool:
        """firmware.ini, its slot image, Firmware and Software Revision
        agree; returns whether the version changed."""
        now = self.control.firmware()
        path = self.state_dir / "firmware.ini"
        if path.exists():
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(path, encoding="utf-8")
                info = dict(parser["firmware"])
            except (configparser.Error, KeyError) as exc:
                raise Failure(f"firmware.ini: {exc}") from exc
            if (info.get("slot"), info.get("version", "")) != \
                    (now["slot"], now["version"] if now["version"]
                     != FACTORY_VERSION else ""):
                raise Failure(f"firmware.ini {info}, Firmware {now}")
        version = now["version"]
        if version != FACTORY_VERSION:
            image = self.state_dir / f"firmware-{now['slot']}.bin"
            if "V" + identify(image.read_bytes()).version != version:
                raise Failure(f"{image.name} is not {version}")
        att = self.band.connect(TIMEOUT)
        try:
            revision = att.read(SOFTWARE_REVISION.value_handle).decode()
        finally:
            self.close(att)
        if revision != version:
            raise Failure(f"Software Revision {revision}, Firmware {version}")
        return version != before["version"]

    def check_log(self, reset: bool) -> int:
        c = self.control
        truth = c.get_samples(0, FOREVER)
        stamps = [ts for ts, _ in truth]
        back = [b for a, b in zip(stamps, stamps[1:]) if b <= a]
        if back:
            raise Failure(f"the log goes back or repeats at "
                          f"{ground_truth.runs(back)}")
        wrong = [ts for ts, data in truth if self.life.sample(ts) != data]
        if wrong:
            raise Failure(f"samples that are not the wearer's: "
                          f"{ground_truth.runs(wrong)}")
        now = dict(truth)
        if reset:
            if truth:
                raise Failure(f"{len(truth)} samples of the old owner "
                              f"after the reset")
        else:
            oldest = stamps[0] if stamps else FOREVER
            ring = len(truth) >= LOG_DAYS * 1440 - 2 * SECTOR_SAMPLES
            lost = [ts for ts in self.seen if ts not in now
                    and not (ring and ts < oldest)]
            if lost:
                raise Failure(f"lost {ground_truth.runs(lost)}")
            changed = [ts for ts in self.seen
                       if ts in now and now[ts] != self.seen[ts]]
            if changed:
                raise Failure(f"changed {ground_truth.runs(changed)}")
        acked = c.acked_until()
        if acked < self.ack_floor:
            raise Failure(f"AckedUntil went back to {acked}, an answered "
                          f"ack had set {self.ack_floor}")
        kept = sum(1 for ts in stamps if ts > acked)
        if c.stored_samples() != kept:
            raise Failure(f"StoredSamples {c.stored_samples()}, the log "
                          f"holds {kept} after AckedUntil")
        self.seen = now
        return acked

    def check_rtc(self, plan: Plan):
        """0x2A2B is the RTC the soak knows, or the one a settings round
        was writing; returns whether it is that new one."""
        if self.key is None:
            return None
        att = self.link(247, self.key)
        try:
            raw = att.read(CURRENT_TIME.value_handle)
        finally:
            self.close(att)
        got = decode_current_time(raw)
        shown = local_ts(datetime.datetime(got.year, got.month, got.day,
                                           got.hour, got.minute,
                                           got.second))
        candidates = [("old", self.rtc)]
        if plan.activity == "settings":
            when = self.local_now_at(self.rtc) + \
                datetime.timedelta(seconds=plan.delta_s)
            offset = local_ts(when) * 1000 - self.clock_at_write
            candidates.append(("new", Rtc(offset, plan.tz, plan.dst)))
        for name, rtc in candidates:
            if (shown == (self.clock + rtc.offset_ms) // 1000
                    and got.tz == rtc.tz and got.adjust == rtc.dst):
                self.rtc = rtc
                return name == "new"
        raise Failure(f"0x2A2B reads {got}, neither the RTC set before "
                      f"nor the one written")

    def local_now_at(self, rtc: Rtc) -> datetime.datetime:
        return local_datetime((self.clock_at_write + rtc.offset_ms) // 1000)

    # ---------------------------------------------------------- run

    def phone_check(self) -> None:
        """A full sync: the phone holds the band's log exactly once."""
        self.ensure_bound(self.rng_key())
        att = self.link(247, self.key)
        try:
            fetch = FetchClient(att)
            fetch.enable_notifications()
            fetch.sync(self.phone, ack=True, timeout=3 * TIMEOUT)
        finally:
            self.close(att)
        self.note_acks()
        truth = self.control.get_samples(self.window_from, FOREVER)
        if truth:
            window = (truth[0][0], truth[-1][0] + MINUTE)
            ground_truth.assert_exactly_once(self.phone.samples, truth,
                                             window,
                                             context="the phone's samples")

    def rng_key(self) -> bytes:
        return random.Random(f"{self.args.seed}/{self.round}").randbytes(16)

    def run(self) -> int:
        began = time.monotonic()
        with self.bus:
            self.control = ControlClient(self.bus.address, timeout=TIMEOUT)
            try:
                self.start(first=True)
                self.factory = self.band_settings()
                self.settings_kept = dict(self.factory)
                for self.round in range(self.args.rounds):
                    plan = draw(self.rng)
                    self.clock_at_write = self.clock
                    try:
                        self.run_round(plan)
                        if (self.round + 1) % self.args.check_every == 0:
                            self.phone_check()
                    except (Failure, AssertionError) as exc:
                        self.fail(plan, exc)
                        if self.args.stop_on_failure:
                            break
                        self.rebase()
                else:
                    try:
                        self.phone_check()
                    except (Failure, AssertionError) as exc:
                        self.fail(Plan("sync", 1.0), exc, final=True)
            finally:
                if self.band is not None and self.band.alive:
                    self.band.stop()
                self.control.close()
        elapsed = time.monotonic() - began
        if self.args.verbose:
            print(f"durations: {self.durations}", file=sys.stderr)
        print(self.report(elapsed))
        if not self.args.keep and not self.failed():
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print(f"state kept in {self.root}", file=sys.stderr)
        return 1 if self.failed() else 0

    def failed(self) -> bool:
        return any(r.failures for r in self.results.values())

    def fail(self, plan: Plan, exc: Exception, final: bool = False) -> None:
        where = "the final sync" if final else f"round {self.round}"
        self.results[plan.activity].failures.append(
            (self.round, str(exc).splitlines()[0]))
        repeat = shlex.join([sys.executable, sys.argv[0], "--seed",
                             str(self.args.seed), "--rounds",
                             str(self.round + 1)])
        print(f"FAIL {where} ({plan.activity}): {exc}\n  repeat: {repeat}",
              file=sys.stderr)
        if self.band is not None:
            print(f"  emulator log: {self.band.log_tail(1500)}",
                  file=sys.stderr)

    def rebase(self) -> None:
        """After a failure the soak goes on from what the band now is."""
        if self.band is None or not self.band.alive:
            self.start()
        self.key = None if not self.control.get("Bound") else self.key
        self.seen = dict(self.control.get_samples(0, FOREVER))
        self.ack_floor = self.control.acked_until()
        self.clock = self.control.get("Clock")
        self.settings_kept = self.band_settings()
        # What was deleted before is not the new phone's to hold.
        self.phone = SyncState(0)
        self.window_from = self.ack_floor + MINUTE

    def report(self, elapsed: float) -> str:
        m = machine()
        lines = [f"Command: `{command_line()}`", "",
                 f"Machine: `{m['uname']}`, {m['nproc']} CPUs, {m['cpu']}, "
                 f"Python {m['python']}", "",
                 f"Seed {self.args.seed}, {self.args.rounds} rounds, "
                 f"{elapsed:.0f} s.", "",
                 "| activity | rounds | killed during | killed after | "
                 "came back with | failures |",
                 "|---|---|---|---|---|---|"]
        total = Result()
        for name in ACTIVITIES:
            r = self.results[name]
            old, new = OUTCOMES[name]
            lines.append(f"| {name} | {r.rounds} | {r.during} | {r.after} "
                         f"| {old} {r.old}, {new} {r.new} "
                         f"| {len(r.failures)} |")
            for field_ in ("rounds", "during", "after"):
                setattr(total, field_,
                        getattr(total, field_) + getattr(r, field_))
            total.failures += r.failures
        lines.append(f"| all | {total.rounds} | {total.during} | "
                     f"{total.after} | | {len(total.failures)} |")
        for round_, message in sorted(total.failures):
            lines.append(f"\nFailure in round {round_}: {message} "
                         f"(repeat with --seed {self.args.seed} --rounds "
                         f"{round_ + 1})")
        return "\n".join(lines)


def main() -> int:
    # The timer thread that kills must get the interpreter promptly while
    # the main thread uploads or syncs.
    sys.setswitchinterval(0.0002)
    parser = arguments(__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--check-every", type=int, default=100,
                        help="rounds between full syncs by the phone")
    parser.add_argument("--stop-on-failure", action="store_true")
    parser.add_argument("--keep", action="store_true",
                        help="keep the state directory")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    return Soak(args, binary_path(args.binary)).run()


if __name__ == "__main__":
    sys.exit(main())
