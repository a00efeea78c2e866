"""The synthetic update files of fixtures/firmware, for the suite.

fixtures/firmware/make_images.py builds them (stdlib only, not a
package), so it is loaded from its path; the committed files are read
from the same directory.
"""

import importlib.util
from pathlib import Path

FIRMWARE_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "firmware"
_GENERATOR = FIRMWARE_DIR / "make_images.py"


def _load():
    spec = importlib.util.spec_from_file_location("make_images", _GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_images = _load()
build_firmware = make_images.build_firmware
build_resources = make_images.build_resources
build_font = make_images.build_font
build_watchface = make_images.build_watchface


def fixture(name: str) -> bytes:
    """A committed image, e.g. fixture("mb4-fw-1.0.9.99.fw")."""
    return (FIRMWARE_DIR / name).read_bytes()
