"""The repository's fixtures/: committed files and the generators that
made them, which are scripts next to their files rather than a package,
so they are loaded from their path.
"""

import importlib.util
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parents[3] / "fixtures"


def generator(relative: str):
    """The script fixtures/<relative> (``firmware/make_images.py``),
    loaded as a module named for its file."""
    path = FIXTURES_DIR / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
