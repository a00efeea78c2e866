"""Local users on the system bus, for the policy of data/io.bandsim.conf.

The policy names the user and the group bandsim; docs/bluez.md makes
them with ``useradd --system --user-group bandsim`` and
ensure_service_user() does the same on a machine that has neither
(root only).  The accounts the scenarios act as:

- the stranger: ``nobody`` with no supplementary group;
- a member: ``nobody`` with the group bandsim as supplementary group, as
  a login of a user listed in the group has it (dbus-daemon takes the
  caller's groups from its socket, SO_PEERGROUPS);
- the service: the user bandsim, as the systemd unit runs the band.

probe() runs busprobe.py's source as one of them under setpriv and
returns its results; root is the test process itself.
"""

import grp
import json
import os
import pwd
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..link.deadline import as_deadline

SERVICE_USER = "bandsim"
GROUP = "bandsim"
STRANGER = "nobody"
ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"
PROBE_TIMEOUT = 20.0
PROBE_SOURCE = Path(__file__).with_name("busprobe.py")
SHIPPED_POLICY = (Path(__file__).resolve().parents[3] / "data"
                  / "io.bandsim.conf")


class PolicyError(Exception):
    """The accounts could not be set up, or a probe did not report."""


@dataclass(frozen=True)
class Account:
    label: str
    uid: int
    gid: int
    groups: tuple = ()


def _run(cmd, timeout: float = 30.0) -> None:
    # useradd and groupadd live in sbin, which a root shell started
    # without a login may not have on its PATH.
    path = os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    try:
        done = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "PATH": path},
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PolicyError(f"{' '.join(cmd)}: {exc}") from None
    if done.returncode != 0:
        raise PolicyError(f"{' '.join(cmd)}: exit status {done.returncode}: "
                          f"{done.stderr.strip()}")


def _exists(lookup, name) -> bool:
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def ensure_service_user() -> None:
    """The group and user bandsim, made as the install makes them when
    missing (root only).  Two runs at once may both try: the one that
    loses finds them made by the other."""
    steps = ((grp.getgrnam, GROUP, ["groupadd", "--system", GROUP]),
             (pwd.getpwnam, SERVICE_USER,
              ["useradd", "--system", "--gid", GROUP, "--no-create-home",
               "--shell", "/usr/sbin/nologin", SERVICE_USER]))
    missing = [step for step in steps if not _exists(*step[:2])]
    if not missing:
        return
    if os.geteuid() != 0:
        raise PolicyError(f"the user and group {SERVICE_USER} do not exist "
                          f"and only root may add them")
    errors = []
    for lookup, name, cmd in missing:
        if _exists(lookup, name):
            continue
        try:
            _run(cmd)
        except PolicyError as exc:
            errors.append(str(exc))
    if not all(_exists(*step[:2]) for step in steps):
        raise PolicyError("; ".join(errors))


def accounts() -> dict:
    """stranger, member and service, as Accounts."""
    group = grp.getgrnam(GROUP)
    service = pwd.getpwnam(SERVICE_USER)
    try:
        nobody = pwd.getpwnam(STRANGER)
    except KeyError:
        raise PolicyError(f"no user {STRANGER} to act as a stranger") \
            from None
    if nobody.pw_gid == group.gr_gid or STRANGER in group.gr_mem:
        raise PolicyError(f"{STRANGER} is in the group {GROUP}: it cannot "
                          f"act as a stranger")
    return {
        "stranger": Account("stranger", nobody.pw_uid, nobody.pw_gid),
        "member": Account("member", nobody.pw_uid, nobody.pw_gid,
                          (group.gr_gid,)),
        "service": Account("service", service.pw_uid, service.pw_gid,
                           (group.gr_gid,)),
    }


def probe(account: Account, address: str, ops: list, timeout=None) -> list:
    """Run ops (busprobe.py) on the bus at address as account; one
    result per op."""
    deadline = as_deadline(timeout, PROBE_TIMEOUT)
    groups = ([f"--groups={','.join(str(g) for g in account.groups)}"]
              if account.groups else ["--clear-groups"])
    cmd = ["setpriv", f"--reuid={account.uid}", f"--regid={account.gid}",
           *groups, sys.executable, "-I", "-c", PROBE_SOURCE.read_text(),
           address, json.dumps(ops)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd="/",
                              env={"PATH": "/usr/bin:/bin",
                                   "LANG": "C.UTF-8"},
                              timeout=deadline.remaining())
    except subprocess.TimeoutExpired:
        raise PolicyError(f"the probe as {account.label} did not finish "
                          f"within {deadline.seconds} s") from None
    except OSError as exc:
        raise PolicyError(f"setpriv (util-linux): {exc}") from None
    try:
        results = json.loads(done.stdout)
    except ValueError:
        results = None
    if done.returncode != 0 or not isinstance(results, list) \
            or len(results) != len(ops):
        raise PolicyError(f"the probe as {account.label} (uid "
                          f"{account.uid}) failed, exit status "
                          f"{done.returncode}: {done.stdout.strip()} "
                          f"{done.stderr.strip()[-2000:]}")
    return results
