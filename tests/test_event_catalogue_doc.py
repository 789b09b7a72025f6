"""docs/architecture.md lists every domain event of the catalogue with its payload and its subscribers, as
``parlons events`` prints them (STYLE.md rule 10, ADR 0006)."""

import re
from pathlib import Path

from parlons.core.events import catalogue_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def test_the_architecture_page_shows_the_event_catalogue_as_built():
    found = re.search(r"<!-- events:begin -->\n(.*?)<!-- events:end -->", DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/architecture.md has no <!-- events:begin --> ... <!-- events:end --> section"
    assert found.group(1) == catalogue_markdown(), (
        "the event catalogue changed: paste the output of `parlons events` into docs/architecture.md"
    )


def test_every_published_event_is_a_class_of_the_catalogue():
    """No ``publish("name", ...)``: a service publishes an instance of the catalogue (the string form is gone)."""
    root = DOC.parent.parent / "parlons"
    offenders = [
        f"{path.relative_to(root.parent)}:{n}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bpublish\(\s*[\"']", line)
    ]
    assert offenders == []
