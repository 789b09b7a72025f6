"""Imports from xlsx (tags with their groups and lines of business, teams, users, canned responses) and of canned
responses from rtf (ENV-7).

An import is read in three steps, and nothing is written until the last one:

1. ``open_workbook`` checks the file itself: size, the zip signature and the workbook inside (the content, never
   the name), the size once unpacked, the number of rows. A bad file is one ``Invalid`` with a clear message.
2. ``check`` reads every row against the columns of its sheet (types, required cells, duplicates, references)
   and then *tries* the rows through the real services inside a transaction that is always rolled back, one
   savepoint per row, so the preview shows every error the services would raise, by row and column.
3. ``apply`` does the same for real, in one transaction: any error rolls everything back.

The package: ``kinds`` (what each kind holds), ``results`` (rows and their errors), ``workbook`` (steps 1 and
2a for xlsx), ``rtf`` (canned responses from rtf), ``writers`` (steps 2b and 3); ``read`` is here.
"""

from __future__ import annotations

from parlons.exchange.imports.kinds import (
    IMPORT_KINDS,
    KINDS,
    RTF_KIND,
    Column,
    Kind,
    SheetSpec,
    kind_permission,
)
from parlons.exchange.imports.results import Report, RowResult
from parlons.exchange.imports.rtf import read_rtf, rtf_text
from parlons.exchange.imports.workbook import MAX_UNPACKED, check_size, open_workbook, read_rows
from parlons.exchange.imports.writers import apply, trial

__all__ = [
    "IMPORT_KINDS",
    "KINDS",
    "MAX_UNPACKED",
    "RTF_KIND",
    "Column",
    "Kind",
    "Report",
    "RowResult",
    "SheetSpec",
    "apply",
    "check_size",
    "kind_permission",
    "open_workbook",
    "read",
    "read_rows",
    "read_rtf",
    "rtf_text",
    "trial",
]


def read(kind: str, content: bytes, *, filename: str = "", language: str = "en") -> Report:
    """Steps 1 and 2a for any kind."""
    if kind == RTF_KIND:
        stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0] if filename else ""
        return read_rtf(content, name=stem, language=language)
    workbook = open_workbook(content)
    try:
        return read_rows(workbook, KINDS[kind])
    finally:
        workbook.close()
