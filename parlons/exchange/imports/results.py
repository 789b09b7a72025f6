"""The result of reading or trying an import: every row with its values, action and errors (the preview)."""

from __future__ import annotations

from dataclasses import dataclass, field


# --- the result of a check -------------------------------------------------------------------------
@dataclass
class RowResult:
    sheet: str
    row: int  # the spreadsheet's row number (the header is row 1); for rtf, the response's number
    key: str
    values: dict
    action: str = ""  # create, update, unchanged, exists
    errors: list[dict] = field(default_factory=list)  # {"column": code or "", "message": text}
    present: frozenset = frozenset()  # the columns the file has (empty: all); the others are left unchanged

    def error(self, column: str, message) -> None:
        self.errors.append({"column": column, "message": str(message)})

    def as_dict(self) -> dict:
        values = {
            k: (", ".join(v) if isinstance(v, list) else v)
            for k, v in self.values.items()
            if not self.present or k in self.present
        }
        return {
            "sheet": self.sheet,
            "row": self.row,
            "key": self.key,
            "action": self.action,
            "values": values,
            "errors": self.errors,
        }


@dataclass
class Report:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # errors about a sheet as a whole (columns)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(r.errors) for r in self.rows)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.rows:
            if not r.errors:
                counts[r.action] = counts.get(r.action, 0) + 1
        return counts

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "error_count": self.error_count,
            "counts": self.counts(),
            "file_errors": self.file_errors,
            "rows": [r.as_dict() for r in self.rows],
        }
