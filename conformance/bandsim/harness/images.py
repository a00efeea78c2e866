"""The synthetic update files of fixtures/firmware, for the suite.

fixtures/firmware/make_images.py builds them (stdlib only, not a
package), so it is loaded from its path; the committed files are read
from the same directory.
"""

from .fixturedir import FIXTURES_DIR, generator

FIRMWARE_DIR = FIXTURES_DIR / "firmware"

make_images = generator("firmware/make_images.py")
build_firmware = make_images.build_firmware
build_resources = make_images.build_resources
build_font = make_images.build_font
build_watchface = make_images.build_watchface


def fixture(name: str) -> bytes:
    """A committed image, e.g. fixture("mb4-fw-1.0.9.99.fw")."""
    return (FIRMWARE_DIR / name).read_bytes()
