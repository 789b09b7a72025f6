"""docs/requirements.md stays current: every requirement ID a test names is listed there with that test's file."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"req((?:_[a-z]+\d+)+)")
COMMENT = re.compile(r"REQ:?\s+([A-Z]+-\d+(?:[\s,/()a-z]+[A-Z]+-\d+)*)")


def ids_named_by_tests() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(source)
        texts = [ast.get_docstring(tree) or ""]
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                match = NAME.search(node.name)
                if match:
                    for part in match.group(1).strip("_").split("_"):
                        m = re.fullmatch(r"([a-z]+)(\d+)", part)
                        if m:
                            found.setdefault(f"{m.group(1).upper()}-{m.group(2)}", set()).add(rel)
        texts += [line for line in source.splitlines() if "REQ" in line]
        for text in texts:
            for m in COMMENT.finditer(text):
                for req in re.findall(r"[A-Z]+-\d+", m.group(1)):
                    found.setdefault(req, set()).add(rel)
    return found


def listed_ids(doc: str) -> set[str]:
    ids = set()
    for row in doc.splitlines():
        if not row.startswith("| "):
            continue
        cell = row.split("|")[1]
        for prefix, start, end in re.findall(r"([A-Z]+)-(\d+)(?:\.\.(\d+))?", cell):
            ids |= {f"{prefix}-{n}" for n in range(int(start), int(end or start) + 1)}
        for prefix, rest in re.findall(r"([A-Z]+)-(\d+(?:, \d+)+)", cell):
            ids |= {f"{prefix}-{n}" for n in rest.split(", ")}
    return ids


def test_every_tested_requirement_is_mapped():
    doc = (ROOT / "docs" / "requirements.md").read_text(encoding="utf-8")
    named = ids_named_by_tests()
    assert len(named) > 20
    missing = sorted(set(named) - listed_ids(doc))
    assert not missing, f"IDs named by tests but absent from docs/requirements.md: {missing}"


def test_every_requirement_of_the_catalogue_has_a_row():
    catalogue = ROOT.parent / "shared" / "REQUIREMENTS.md"
    if not catalogue.exists():
        pytest.skip("../shared/REQUIREMENTS.md is not beside the repository")
    wanted = set(re.findall(r"^- ([A-Z]+-\d+) ", catalogue.read_text(encoding="utf-8"), flags=re.M))
    listed = listed_ids((ROOT / "docs" / "requirements.md").read_text(encoding="utf-8"))
    assert sorted(wanted - listed) == []
