"""The preset catalogue in docs/faults.md is what the emulator prints."""

import pytest

from bandsim.tools import faultdoc


def test_fault_doc_is_current(emulator_binary):
    doc_path = faultdoc.REPO / "docs" / "faults.md"
    doc = doc_path.read_text()
    rows = faultdoc.presets(emulator_binary)
    assert len(rows) >= 10
    assert all(len(r) == 3 and r[0] and r[1] and r[2] for r in rows)
    expected = faultdoc.splice(doc, faultdoc.render(rows))
    if expected != doc:
        pytest.fail("docs/faults.md is out of date; regenerate it with\n"
                    "  PYTHONPATH=conformance /usr/bin/python3 -m "
                    "bandsim.tools.faultdoc --write docs/faults.md",
                    pytrace=False)
