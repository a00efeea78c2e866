"""Where a test run's bands keep their state directories, sockets and logs.

A band fsyncs its state files (band.ini, flash.img) as it writes them,
so that kill -9 loses nothing.  On a disk every test then waits for the
disk: a band's start, one link and its stop took 1.3 times as long on
ext4 as on a tmpfs on an idle machine, 3.5 times on a busy one
(docs/benchmarks.md, "The suite's time").  kill -9 keeps the page cache,
so nothing the suite checks depends on where the files are; only a
power cut would, and the C unit tests cut power at every write.

So the run's temporary directory is /dev/shm when that is a tmpfs with
room to spare, unless the user chose one (--basetemp, or the
--bandsim-tmp option).  A band's directory is removed when its test
passed and kept when it failed, for the reader of the failure.
"""

import os
import shutil
import tempfile
from pathlib import Path

SHM = Path("/dev/shm")
# A run keeps the directories of its failed tests only, a few hundred KB
# each (flash.img is most of it); what a container gives /dev/shm by
# default (64 MB) is too little for a fleet scenario's thousand bands.
MIN_FREE = 1 << 30
MOUNTS = Path("/proc/self/mounts")


def _is_tmpfs(path: Path, mounts: Path = MOUNTS) -> bool:
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return False
    types = {}
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            types[fields[1]] = fields[2]
    return types.get(str(path)) == "tmpfs"


def fast_root(path: Path = SHM, min_free: int = MIN_FREE,
              mounts: Path = MOUNTS):
    """path when it is a writable tmpfs with min_free bytes free, else
    None."""
    if not _is_tmpfs(path, mounts):
        return None
    if not os.access(path, os.W_OK | os.X_OK):
        return None
    try:
        stat = os.statvfs(path)
    except OSError:
        return None
    if stat.f_bavail * stat.f_frsize < min_free:
        return None
    return path


def choose(chosen=None, basetemp=None):
    """The directory the run's temporary files go under: chosen (the
    --bandsim-tmp option) if given; None, pytest's own choice, when the
    user gave --basetemp; else /dev/shm when fast_root() allows it.
    Sets TMPDIR and tempfile's default directory, which pytest's
    tmp_path_factory, the buses' socket directories and the workers of
    pytest-xdist (started later, with this environment) take."""
    if chosen is not None:
        root = Path(chosen)
        if not root.is_dir():
            raise ValueError(f"--bandsim-tmp {chosen}: not a directory")
    elif basetemp is not None:
        return None
    else:
        root = fast_root()
        if root is None:
            return None
    os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = str(root)
    return root


def band_dir(base: Path, prefix: str) -> Path:
    """A new directory under base, in constant time: pytest's mktemp()
    lists base on every call to number its directories, which made a
    worker's thousandth band cost a thousand directory entries."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=base))


def remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
