"""The preset catalogue in docs/faults.md is what the emulator prints."""

import pytest

from bandsim.tools import faultdoc


def test_fault_doc_is_current(emulator_binary):
    doc_path = faultdoc.REPO / "docs" / "faults.md"
    doc = doc_path.read_text()
    rows = faultdoc.presets(emulator_binary)
    assert len(rows) >= 10
    assert all(len(r) == 4 and all(r) for r in rows)
    expected = faultdoc.splice(doc, faultdoc.render(rows))
    if expected != doc:
        pytest.fail("docs/faults.md is out of date; regenerate it with\n"
                    "  PYTHONPATH=conformance /usr/bin/python3 -m "
                    "bandsim.tools.faultdoc --write docs/faults.md",
                    pytrace=False)


@pytest.mark.no_emulator
def test_sources_are_labels_with_links():
    assert faultdoc.sources(
        "Gadgetbridge #913 <https://github.com/Freeyourgadget/Gadgetbridge/"
        "issues/913>; a guide <https://example.org/a>") == [
        ("Gadgetbridge #913",
         "https://github.com/Freeyourgadget/Gadgetbridge/issues/913"),
        ("a guide", "https://example.org/a")]


@pytest.mark.no_emulator
def test_a_source_without_a_link_is_refused():
    with pytest.raises(ValueError, match="not 'LABEL <https://...>'"):
        faultdoc.sources("seed reports")
