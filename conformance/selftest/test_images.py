"""The synthetic update files: the generator, the committed fixtures and
the client's §7.2 recognition agree with each other."""

import subprocess
import sys
import zlib

import pytest

from bandsim.clients.firmware import FileInfo, identify
from bandsim.harness.images import (FIRMWARE_DIR, build_firmware, build_font,
                                    build_resources, build_watchface, fixture,
                                    make_images)

EXPECTED = {
    "mb4-fw-1.0.9.99.fw": FileInfo("firmware", "1.0.9.99"),
    "mb4-fw-1.1.0.1.fw": FileInfo("firmware", "1.1.0.1"),
    "mb4-res-v80.res": FileInfo("resources", "80"),
    "mb4-font-v3.ft": FileInfo("font", "3"),
    "mb4-watchface.bin": FileInfo("watchface"),
    "corrupt-bad-header.fw": FileInfo("invalid"),
    "corrupt-no-name.fw": FileInfo("invalid"),
    "corrupt-unaligned-name.fw": FileInfo("invalid"),
}


def test_committed_fixtures_are_reproducible():
    assert sorted(make_images.IMAGES) == sorted(EXPECTED)
    for name, (build, _) in make_images.IMAGES.items():
        assert fixture(name) == build(), f"{name} differs from its builder"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recognition(name):
    assert identify(fixture(name)) == EXPECTED[name]


def test_firmware_layout():
    image = build_firmware("1.0.9.99", 4096)
    assert len(image) == 4096
    assert image[16:32].hex(" ") == \
        "31 00 00 00 00 00 00 00 00 00 9c e3 7d 5c 00 04"
    name = image.find(b"Mi Smart Band 4\0")
    pattern = image.find(bytes.fromhex(
        "56 25 64 2E 25 64 2E 25 64 2E 25 64 00 00 00 00"))
    assert name % 4 == 0 and pattern % 4 == 0
    assert image[pattern + 16:pattern + 24] == b"1.0.9.99"
    assert build_firmware("1.0.9.99", 4096) == image
    assert build_firmware("1.0.9.98", 4096) != image
    with pytest.raises(ValueError):
        build_firmware("1.0.10.100")
    with pytest.raises(ValueError):
        build_firmware("1.0.9.99", 256)


def test_other_layouts():
    assert identify(build_resources(7, compressed=True)) == \
        FileInfo("resources", "7")
    assert build_resources(7, compressed=True)[9:15] == b"HMRES\x07"
    assert identify(build_font(6, kind=0x06)) == FileInfo("font", "6")
    assert identify(build_font(6, kind=0x05)) == FileInfo("invalid")
    assert build_watchface(64)[:6] == b"HMDIAL"


def test_command_line(tmp_path):
    out = subprocess.run([sys.executable, str(FIRMWARE_DIR / "make_images.py"),
                          str(tmp_path)], capture_output=True, text=True,
                         timeout=20, check=True).stdout
    for name in EXPECTED:
        data = (tmp_path / name).read_bytes()
        assert data == fixture(name)
        assert f"{zlib.crc32(data):08x}" in out


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
