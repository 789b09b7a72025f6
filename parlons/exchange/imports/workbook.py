"""Steps 1 and 2a of an xlsx import: the file itself, then every row typed and checked against its sheet."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parlons.core.errors import Invalid
from parlons.exchange.imports.kinds import Column, Kind, SheetSpec
from parlons.exchange.imports.results import Report, RowResult

MAX_UNPACKED = 100 * 1024 * 1024  # a zip bomb is refused before openpyxl reads it


# --- step 1: the file ------------------------------------------------------------------------------
def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def check_size(content: bytes) -> None:
    limit = settings.PARLONS_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise Invalid(
            _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": _mb(len(content)), "limit": _mb(limit)},
            code="file_too_large",
        )
    if not content:
        raise Invalid(_("The file is empty."), code="empty_file")


def open_workbook(content: bytes):
    """The workbook in ``content``, or ``Invalid`` saying what is wrong with the file."""
    check_size(content)
    not_xlsx = _(
        "This file is not an Excel workbook (.xlsx). Save it from your spreadsheet program as "
        "“Excel Workbook (.xlsx)” and try again."
    )
    if not content.startswith(b"PK\x03\x04"):
        raise Invalid(not_xlsx, code="not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Invalid(not_xlsx, code="not_xlsx")
    if "xl/workbook.xml" not in names:
        raise Invalid(not_xlsx, code="not_xlsx")
    if unpacked > MAX_UNPACKED:
        raise Invalid(
            _("The file is too large once unpacked (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": _mb(unpacked), "limit": _mb(MAX_UNPACKED)},
            code="file_too_large",
        )
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file; all mean the same here
        raise Invalid(
            _("This workbook could not be read. It may be damaged or protected with a password."),
            code="bad_xlsx",
        )


# --- step 2: rows and cells ------------------------------------------------------------------------
_TRUE = {"yes", "y", "true", "1", "x", "oui", "o", "vrai"}
_FALSE = {"no", "n", "false", "0", "non", "faux", ""}


def _cell(col: Column, value, result: RowResult):
    """The cell's value converted to the column's type, or None after recording an error."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if col.required:
            result.error(col.code, _("This cell is required."))
            return None
        if col.type == "bool":
            return None  # the default of the column
        return [] if col.type == "list" else ""
    if col.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        result.error(col.code, _("Expected yes or no, found “%(value)s”.") % {"value": value})
        return None
    # every other type is text in the sheet
    if isinstance(value, (bool, dt.datetime | dt.date | dt.time)):
        result.error(col.code, _("Expected text, found “%(value)s”.") % {"value": value})
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if col.max_length and len(text) > col.max_length:
        result.error(
            col.code,
            _("At most %(max)s characters (this cell has %(n)s).") % {"max": col.max_length, "n": len(text)},
        )
        return None
    if col.type == "slug" and slugify(text) != text:
        result.error(
            col.code,
            _(
                "“%(value)s” is not a valid identifier: use lower-case letters, digits and hyphens (e.g. “%(slug)s”)."
            )
            % {"value": text, "slug": slugify(text) or "passport-renewal"},
        )
        return None
    if col.type == "email":
        try:
            validate_email(text)
        except ValidationError:
            result.error(col.code, _("“%(value)s” is not a valid e-mail address.") % {"value": text})
            return None
    if col.type == "language" and text.lower() not in ("en", "fr"):
        result.error(col.code, _("Language must be “en” or “fr”."))
        return None
    if col.type == "language":
        return text.lower()
    if col.type == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _find_sheet(workbook, spec: SheetSpec, single: bool):
    for name in workbook.sheetnames:
        if name.strip().lower() == spec.name:
            return workbook[name]
    if single:  # a one-sheet kind made by hand: its first sheet, whatever its name
        return workbook.worksheets[0] if workbook.worksheets else None
    return None


def read_rows(workbook, kind: Kind) -> Report:
    """Step 2a: every row of every sheet of ``kind``, typed and checked on its own and against the other rows."""
    report = Report(kind.code)
    found_any = False
    max_rows = settings.PARLONS_IMPORT_MAX_ROWS
    total = 0
    for spec in kind.sheets:
        sheet = _find_sheet(workbook, spec, single=len(kind.sheets) == 1)
        if sheet is None:
            continue
        found_any = True
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        header = [str(h).strip().lower() if h is not None else "" for h in (header or ())]
        while header and header[-1] == "":
            header.pop()
        missing = [c.code for c in spec.columns if c.required and c.code not in header]
        unknown = [h or "?" for h in header if h not in spec.codes]
        if missing or unknown:
            message = _("Sheet “%(sheet)s”: the columns do not match the template.") % {"sheet": spec.name}
            if missing:
                message += " " + _("Missing: %(columns)s.") % {"columns": ", ".join(missing)}
            if unknown:
                message += " " + _("Not expected: %(columns)s.") % {"columns": ", ".join(unknown)}
            message += " " + _("Expected: %(columns)s.") % {"columns": ", ".join(spec.codes)}
            report.file_errors.append(message)
            continue
        dupes = [h for h in header if header.count(h) > 1]
        if dupes:
            report.file_errors.append(
                _("Sheet “%(sheet)s”: the column “%(column)s” appears twice.")
                % {"sheet": spec.name, "column": dupes[0]}
            )
            continue
        position = {code: header.index(code) for code in spec.codes if code in header}
        seen: dict[str, int] = {}
        for number, raw in enumerate(rows, start=2):
            if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            total += 1
            if total > max_rows:
                raise Invalid(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": max_rows},
                    code="too_many_rows",
                )
            result = RowResult(spec.name, number, "", {}, present=frozenset(position))
            for col in spec.columns:
                value = (
                    raw[position[col.code]]
                    if col.code in position and position[col.code] < len(raw)
                    else None
                )
                before = len(result.errors)
                converted = _cell(col, value, result)
                if len(result.errors) > before and value is not None:
                    # shown as written in the preview; a row with errors is never written
                    converted = str(value)
                result.values[col.code] = converted
            key = result.values.get(spec.key) or (result.values.get("name") if spec.key == "shortcut" else "")
            result.key = str(key or "")
            folded = f"{spec.key if result.values.get(spec.key) else 'name'}:{result.key.lower()}"
            if result.key and folded in seen:
                result.error(
                    spec.key if result.values.get(spec.key) else "name",
                    _("Duplicate: the same as row %(row)s.") % {"row": seen[folded]},
                )
            elif result.key:
                seen[folded] = number
            report.rows.append(result)
    if not found_any:
        report.file_errors.append(
            _("This workbook has none of the expected sheets: %(sheets)s.")
            % {"sheets": ", ".join(s.name for s in kind.sheets)}
        )
    elif not report.rows and not report.file_errors:
        report.file_errors.append(_("The file has no rows to import."))
    return report
