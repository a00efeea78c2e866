"""Where the bands' directories go (bandsim/harness/scratch.py)."""

import os
import tempfile

import pytest

from bandsim.harness import scratch


def mounts(tmp_path, fstype):
    path = tmp_path / "mounts"
    path.write_text(f"proc /proc proc rw 0 0\n"
                    f"shm {tmp_path} {fstype} rw,nosuid,nodev 0 0\n")
    return path


def test_a_tmpfs_with_room_is_taken(tmp_path):
    assert scratch.fast_root(tmp_path, 0, mounts(tmp_path, "tmpfs")) == \
        tmp_path


def test_a_disk_is_not(tmp_path):
    assert scratch.fast_root(tmp_path, 0, mounts(tmp_path, "ext4")) is None


def test_a_tmpfs_without_room_is_not(tmp_path):
    free = os.statvfs(tmp_path)
    room = free.f_bavail * free.f_frsize
    assert scratch.fast_root(tmp_path, room + (1 << 30),
                             mounts(tmp_path, "tmpfs")) is None


def test_no_mount_table_means_no_tmpfs(tmp_path):
    assert scratch.fast_root(tmp_path, 0, tmp_path / "none") is None


@pytest.fixture
def restore_tmp():
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    yield
    if saved[0] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved[0]
    tempfile.tempdir = saved[1]


def test_a_chosen_directory_wins(tmp_path, restore_tmp):
    assert scratch.choose(str(tmp_path), basetemp="/elsewhere") == tmp_path
    assert os.environ["TMPDIR"] == str(tmp_path)
    assert tempfile.gettempdir() == str(tmp_path)


def test_basetemp_is_left_to_pytest(restore_tmp):
    tempfile.tempdir = "/untouched"
    assert scratch.choose(None, basetemp="/some/where") is None
    assert tempfile.tempdir == "/untouched"


def test_a_missing_directory_is_refused(tmp_path, restore_tmp):
    with pytest.raises(ValueError, match="not a directory"):
        scratch.choose(str(tmp_path / "missing"))


def test_band_dirs_are_new_each_time(tmp_path):
    first = scratch.band_dir(tmp_path, "band")
    second = scratch.band_dir(tmp_path, "band")
    assert first != second and first.is_dir() and second.is_dir()
    assert first.name.startswith("band-")
    scratch.remove(first)
    assert not first.exists() and second.exists()


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
