"""Imports from xlsx (tags with their groups and lines of business, teams, users, canned responses) and of canned
responses from rtf (ENV-7).

An import is read in three steps, and nothing is written until the last one:

1. ``open_workbook`` checks the file itself: size, the zip signature and the workbook inside (the content, never
   the name), the size once unpacked, the number of rows. A bad file is one ``Invalid`` with a clear message.
2. ``check`` reads every row against the columns of its sheet (types, required cells, duplicates, references)
   and then *tries* the rows through the real services inside a transaction that is always rolled back, one
   savepoint per row, so the preview shows every error the services would raise, by row and column.
3. ``apply`` does the same for real, in one transaction: any error rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.accounts.permissions import ADMIN, MANAGE
from parlons.core.errors import Invalid, ParlonsError

MAX_UNPACKED = 100 * 1024 * 1024  # a zip bomb is refused before openpyxl reads it


# --- what each kind of workbook holds --------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    code: str
    type: str = "text"  # text, slug, bool, email, language, list
    required: bool = False
    max_length: int = 0
    help: object = ""


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    key: str  # the column that identifies a row (duplicates are refused)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.columns]


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    permission: str
    sheets: tuple[SheetSpec, ...]


_SLUG_HELP = gettext_lazy(
    "Identifier: lower-case letters, digits and hyphens; it stays the same when names change."
)
_BOOL_HELP = gettext_lazy("yes or no (empty means no).")

KINDS: dict[str, Kind] = {
    "tags": Kind(
        "tags",
        gettext_lazy("Tags, tag groups and lines of business"),
        MANAGE,
        (
            SheetSpec(
                "lines_of_business",
                (
                    Column("slug", "slug", True, 80, _SLUG_HELP),
                    Column("name_en", "text", True, 120, gettext_lazy("English name.")),
                    Column("name_fr", "text", True, 120, gettext_lazy("French name.")),
                ),
                "slug",
            ),
            SheetSpec(
                "tag_groups",
                (
                    Column("slug", "slug", True, 80, _SLUG_HELP),
                    Column("name_en", "text", True, 120, gettext_lazy("English name.")),
                    Column("name_fr", "text", True, 120, gettext_lazy("French name.")),
                    Column(
                        "parent",
                        "slug",
                        False,
                        80,
                        gettext_lazy("For a subgroup: the identifier of its group."),
                    ),
                    Column(
                        "line_of_business",
                        "slug",
                        False,
                        80,
                        gettext_lazy("Identifier of a line of business."),
                    ),
                ),
                "slug",
            ),
            SheetSpec(
                "tags",
                (
                    Column("slug", "slug", True, 80, _SLUG_HELP),
                    Column("name_en", "text", True, 120, gettext_lazy("English name.")),
                    Column("name_fr", "text", True, 120, gettext_lazy("French name.")),
                    Column(
                        "group", "slug", False, 80, gettext_lazy("Identifier of a tag group or subgroup.")
                    ),
                    Column(
                        "line_of_business",
                        "slug",
                        False,
                        80,
                        gettext_lazy("Identifier of a line of business."),
                    ),
                    Column("archived", "bool", False, 0, _BOOL_HELP),
                ),
                "slug",
            ),
        ),
    ),
    "teams": Kind(
        "teams",
        gettext_lazy("Teams"),
        ADMIN,
        (
            SheetSpec(
                "teams",
                (
                    Column("name", "text", True, 120, gettext_lazy("The team's name (unique).")),
                    Column("description", "text", False, 2000, gettext_lazy("Optional description.")),
                    Column(
                        "lead", "text", False, 150, gettext_lazy("User name of the team lead (optional).")
                    ),
                    Column("archived", "bool", False, 0, _BOOL_HELP),
                ),
                "name",
            ),
        ),
    ),
    "users": Kind(
        "users",
        gettext_lazy("Users"),
        ADMIN,
        (
            SheetSpec(
                "users",
                (
                    Column(
                        "username", "text", True, 150, gettext_lazy("User name used to sign in (unique).")
                    ),
                    Column("first_name", "text", False, 150, gettext_lazy("First name.")),
                    Column("last_name", "text", False, 150, gettext_lazy("Last name.")),
                    Column("email", "email", False, 254, gettext_lazy("E-mail address.")),
                    Column("language", "language", False, 2, gettext_lazy("en or fr (empty means en).")),
                    Column("teams", "list", False, 2000, gettext_lazy("Team names, separated by commas.")),
                    Column(
                        "roles", "list", False, 2000, gettext_lazy("Role identifiers, separated by commas.")
                    ),
                    Column("active", "bool", False, 0, gettext_lazy("yes or no (empty means yes).")),
                ),
                "username",
            ),
        ),
    ),
    "canned": Kind(
        "canned",
        gettext_lazy("Canned responses"),
        MANAGE,
        (
            SheetSpec(
                "canned_responses",
                (
                    Column("name", "text", True, 120, gettext_lazy("Name shown to agents.")),
                    Column(
                        "shortcut",
                        "slug",
                        False,
                        40,
                        gettext_lazy("Optional keyword typed after / (unique)."),
                    ),
                    Column("body_en", "text", False, 20000, gettext_lazy("English text.")),
                    Column("body_fr", "text", False, 20000, gettext_lazy("French text.")),
                    Column("team", "text", False, 120, gettext_lazy("Team name, or empty for everyone.")),
                    Column("archived", "bool", False, 0, _BOOL_HELP),
                ),
                "shortcut",
            ),
        ),
    ),
}
RTF_KIND = "canned_rtf"
IMPORT_KINDS = (*KINDS, RTF_KIND)


def kind_permission(kind: str) -> str:
    return MANAGE if kind == RTF_KIND else KINDS[kind].permission


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


class _Rollback(Exception):
    """Raised at the end of a trial run so the transaction is always rolled back."""


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


# --- step 2b and 3: through the services -----------------------------------------------------------
def _apply_row(kind: str, row: RowResult, actor) -> str:
    """Write one row through the services; returns the action. Raises ParlonsError (Invalid, Conflict…)."""
    writer = _WRITERS.get((kind, row.sheet)) or _WRITERS.get((kind, None))
    if writer is None:
        raise ValueError(kind)
    return writer(row.values, row, actor)


def _ref(model, value: str, column: str, message, *, lookup: str = "slug"):
    """The object a cell names (by slug, or case-insensitively by ``lookup``), None for an empty cell; a name
    that matches nothing is an error on that cell."""
    if not value:
        return None
    obj = model.objects.filter(**{lookup: value}).first()
    if obj is None:
        raise _CellError(column, message % {"value": value})
    return obj


def _upsert(row: RowResult, existing, create, update, wanted: dict, *, archived: bool = False) -> str:
    """The step every kind shares: create the object (archived at once when the row says so), or update the
    fields whose column the file has and whose value differs. ``create()`` and ``update(obj, **changes)`` are
    service calls."""
    if existing is None:
        obj = create()
        if archived:
            update(obj, is_archived=True)
        return "create"
    changes = _changes(existing, wanted, row)
    if not changes:
        return "unchanged"
    update(existing, **changes)
    return "update"


def _write_line_of_business(v: dict, row: RowResult, actor) -> str:
    from parlons.tickets import services as tickets
    from parlons.tickets.models import LineOfBusiness

    if LineOfBusiness.objects.filter(slug=v["slug"]).exists():
        return "exists"
    tickets.create_line_of_business(actor=actor, slug=v["slug"], name_en=v["name_en"], name_fr=v["name_fr"])
    return "create"


def _write_tag_group(v: dict, row: RowResult, actor) -> str:
    from parlons.tickets import services as tickets
    from parlons.tickets.models import LineOfBusiness, TagGroup

    if TagGroup.objects.filter(slug=v["slug"]).exists():
        return "exists"
    tickets.create_tag_group(
        actor=actor,
        slug=v["slug"],
        name_en=v["name_en"],
        name_fr=v["name_fr"],
        parent=_ref(TagGroup, v["parent"], "parent", _("No tag group “%(value)s”.")),
        line_of_business=_ref(
            LineOfBusiness, v["line_of_business"], "line_of_business", _("No line of business “%(value)s”.")
        ),
    )
    return "create"


def _write_tag(v: dict, row: RowResult, actor) -> str:
    from parlons.tickets import services as tickets
    from parlons.tickets.models import LineOfBusiness, Tag, TagGroup

    group = _ref(TagGroup, v["group"], "group", _("No tag group “%(value)s”."))
    lob = _ref(
        LineOfBusiness, v["line_of_business"], "line_of_business", _("No line of business “%(value)s”.")
    )
    fields = {"name_en": v["name_en"], "name_fr": v["name_fr"], "group": group}
    return _upsert(
        row,
        Tag.objects.filter(slug=v["slug"]).first(),
        lambda: tickets.create_tag(actor=actor, slug=v["slug"], line_of_business=lob, **fields),
        lambda tag, **changes: tickets.update_tag(tag, actor=actor, **changes),
        {
            **fields,
            "line_of_business": lob or (group.line_of_business if group else None),
            "is_archived": bool(v["archived"]),
        },
        archived=bool(v["archived"]),
    )


def _write_team(v: dict, row: RowResult, actor) -> str:
    from parlons.accounts import services as accounts
    from parlons.accounts.models import Team, User

    lead = _ref(User, v["lead"], "lead", _("No user “%(value)s”."), lookup="username__iexact")
    fields = {"name": v["name"], "description": v["description"], "lead": lead}
    return _upsert(
        row,
        Team.objects.filter(name__iexact=v["name"]).first(),
        lambda: accounts.create_team(actor=actor, **fields),
        lambda team, **changes: accounts.update_team(team, actor=actor, **changes),
        {**fields, "is_archived": bool(v["archived"])},
        archived=bool(v["archived"]),
    )


def _write_user(v: dict, row: RowResult, actor) -> str:
    from parlons.accounts import services as accounts
    from parlons.accounts.models import Role, Team, User

    teams = [
        _ref(Team, name, "teams", _("No team “%(value)s”."), lookup="name__iexact") for name in v["teams"]
    ]
    roles = [_ref(Role, slug, "roles", _("No role “%(value)s”.")) for slug in v["roles"]]
    active = True if v["active"] is None else v["active"]
    user = User.objects.filter(username__iexact=v["username"]).first()
    if user is None:
        user = accounts.create_user(
            actor=actor,
            username=v["username"],
            email=v["email"],
            first_name=v["first_name"],
            last_name=v["last_name"],
            language=v["language"] or "en",
            teams=teams,
            roles=roles,
        )
        if not active:
            accounts.update_user(user, actor=actor, is_active=False)
        return "create"
    if not active and user.pk == getattr(actor, "pk", None):
        raise _CellError("active", _("You cannot deactivate your own account."))
    wanted = {
        "first_name": v["first_name"],
        "last_name": v["last_name"],
        "email": v["email"],
        "language": v["language"] or user.language,
        "is_active": active,
    }
    changes = _changes(user, wanted, row)
    if "teams" in row.present and {t.pk for t in user.teams.all()} != {t.pk for t in teams}:
        changes["teams"] = teams
    held = set(user.role_grants.values_list("role_id", flat=True))
    missing_roles = [r for r in roles if r.pk not in held]
    if not changes and not missing_roles:
        return "unchanged"
    if changes:
        accounts.update_user(user, actor=actor, **changes)
    for role in missing_roles:
        accounts.grant_role(role, actor=actor, user=user)
    return "update"


def _canned_named(shortcut: str, name: str, *, without_shortcut: bool):
    """The canned response a row means: the one with its shortcut, else the first with its name (only among
    those without a shortcut when ``without_shortcut``)."""
    from parlons.tickets.models import CannedResponse

    if shortcut:
        return CannedResponse.objects.filter(shortcut=shortcut).first()
    same_name = CannedResponse.objects.filter(name__iexact=name)
    if without_shortcut:
        same_name = same_name.filter(shortcut="")
    return same_name.order_by("pk").first()


def _write_canned(v: dict, row: RowResult, actor) -> str:
    from parlons.accounts.models import Team
    from parlons.tickets import services as tickets

    team = _ref(Team, v["team"], "team", _("No team “%(value)s”."), lookup="name__iexact")
    fields = {"name": v["name"], "body_en": v["body_en"], "body_fr": v["body_fr"], "team": team}
    return _upsert(
        row,
        _canned_named(v["shortcut"], v["name"], without_shortcut=True),
        lambda: tickets.create_canned_response(actor=actor, shortcut=v["shortcut"], **fields),
        lambda response, **changes: tickets.update_canned_response(response, actor=actor, **changes),
        {**fields, "is_archived": bool(v["archived"])},
        archived=bool(v["archived"]),
    )


def _write_rtf_canned(v: dict, row: RowResult, actor) -> str:
    """One rtf file fills one language of a canned response (created when none has its shortcut or name)."""
    from parlons.tickets import services as tickets

    body_field = "body_fr" if v["language"] == "fr" else "body_en"
    existing = _canned_named(v["shortcut"], v["name"], without_shortcut=False)
    if existing is None:
        tickets.create_canned_response(
            actor=actor, name=v["name"], shortcut=v["shortcut"], **{body_field: v["body"]}
        )
        return "create"
    if getattr(existing, body_field) == v["body"]:
        return "unchanged"
    tickets.update_canned_response(existing, actor=actor, **{body_field: v["body"]})
    return "update"


#: (kind, sheet) → the function that writes one row of it; ``None`` for a kind's only or main sheet.
_WRITERS = {
    ("tags", "lines_of_business"): _write_line_of_business,
    ("tags", "tag_groups"): _write_tag_group,
    ("tags", None): _write_tag,
    ("teams", None): _write_team,
    ("users", None): _write_user,
    ("canned", None): _write_canned,
    (RTF_KIND, None): _write_rtf_canned,
}


_COLUMN_OF = {"is_archived": "archived", "is_active": "active"}


def _changes(obj, wanted: dict, row: RowResult) -> dict:
    """The fields whose column the file has and whose value differs (a column left out changes nothing)."""
    return {
        k: val
        for k, val in wanted.items()
        if (not row.present or _COLUMN_OF.get(k, k) in row.present) and getattr(obj, k) != val
    }


class _CellError(Exception):
    def __init__(self, column: str, message):
        super().__init__(str(message))
        self.column = column
        self.message = str(message)


def _run(report: Report, actor) -> None:
    """Every valid row through the services, a savepoint each; errors are recorded on their rows."""
    for row in report.rows:
        if row.errors:
            continue
        try:
            with transaction.atomic():
                row.action = _apply_row(report.kind, row, actor)
        except _CellError as exc:
            row.error(exc.column, exc.message)
        except ParlonsError as exc:
            column = (exc.details or {}).get("field", "")
            row.error(column if column in row.values else "", exc.message)


def trial(report: Report, actor) -> Report:
    """Step 2b: try every row through the services and roll everything back (the preview)."""
    if report.file_errors:
        return report
    try:
        with transaction.atomic():
            _run(report, actor)
            raise _Rollback
    except _Rollback:
        pass
    return report


def apply(report: Report, actor) -> Report:
    """Step 3: write every row in one transaction; when any row fails nothing is written."""
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            _run(report, actor)
            if not report.ok:
                raise _Rollback
    except _Rollback:
        pass
    return report


# --- canned responses from rtf ---------------------------------------------------------------------
_HEADER = re.compile(
    r"^\s*(name|nom|shortcut|raccourci|language|langue)\s*:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE
)
_HEADER_FIELDS = {
    "name": "name",
    "nom": "name",
    "shortcut": "shortcut",
    "raccourci": "shortcut",
    "language": "language",
    "langue": "language",
}


def rtf_text(content: bytes) -> str:
    """The plain text of an rtf file (striprtf), or ``Invalid`` when the content is not rtf."""
    check_size(content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:6]
    if not head.startswith(b"{\\rtf"):
        raise Invalid(
            _(
                "This file is not an RTF document. Save it from your word processor as “Rich Text Format (.rtf)”."
            ),
            code="not_rtf",
        )
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(
            content.decode("latin-1"), errors="replace"
        )  # rtf is 7-bit; \'xx and \u carry the rest
    except Exception:
        raise Invalid(_("This RTF document could not be read."), code="bad_rtf")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_rtf(content: bytes, *, name: str = "", language: str = "en") -> Report:
    """Canned responses in an rtf document. Each response starts with a line ``Name: …`` (``Nom : …``),
    optionally followed by ``Shortcut: …`` (``Raccourci : …``) and ``Language: en|fr`` (``Langue : …``) lines;
    the text follows. A document without a ``Name:`` line is one response named ``name`` (the file's name)."""
    text = rtf_text(content)
    report = Report(RTF_KIND)
    blocks: list[dict] = []
    current: dict | None = None
    body: list[str] = []
    for line in text.split("\n"):
        match = _HEADER.match(line)
        if match:
            field_name = _HEADER_FIELDS[match.group(1).lower()]
            if field_name == "name":
                if current is not None:
                    current["body"] = "\n".join(body)
                    blocks.append(current)
                current, body = {"name": match.group(2)}, []
                continue
            if current is not None and not "".join(body).strip() and field_name not in current:
                current[field_name] = match.group(2)
                continue
        body.append(line)
    if current is not None:
        current["body"] = "\n".join(body)
        blocks.append(current)
    elif "".join(body).strip():
        blocks.append({"name": name, "body": "\n".join(body)})
    if not blocks:
        report.file_errors.append(_("The document has no text to import."))
        return report
    seen: dict[str, int] = {}
    for number, block in enumerate(blocks, start=1):
        result = RowResult("canned_responses", number, block.get("name", "").strip(), {})
        result.values["name"] = block.get("name", "").strip()[:120]
        if not result.values["name"]:
            result.error("name", _("This response has no name: start it with a line “Name: …”."))
        shortcut = (block.get("shortcut") or "").strip().lstrip("/")
        if shortcut and slugify(shortcut) != shortcut:
            result.error(
                "shortcut",
                _(
                    "“%(value)s” is not a valid identifier: use lower-case letters, digits and hyphens "
                    "(e.g. “%(slug)s”)."
                )
                % {"value": shortcut, "slug": slugify(shortcut) or "passport-renewal"},
            )
        result.values["shortcut"] = shortcut
        lang = (block.get("language") or language or "en").strip().lower()
        if lang not in ("en", "fr"):
            result.error("language", _("Language must be “en” or “fr”."))
        result.values["language"] = lang
        result.values["body"] = block["body"].strip("\n").strip()
        if not result.values["body"]:
            result.error("body", _("This response has no text."))
        key = f"{shortcut or result.values['name'].lower()}:{lang}"
        if key in seen:
            result.error("name", _("Duplicate: the same as response %(row)s.") % {"row": seen[key]})
        else:
            seen[key] = number
        report.rows.append(result)
    return report


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
