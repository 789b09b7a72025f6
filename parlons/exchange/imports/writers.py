"""Steps 2b and 3: every row through the real services, a savepoint each; the trial always rolls back, the
import for real rolls back when any row fails."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.core.db import atomic
from parlons.core.errors import ParlonsError
from parlons.exchange.imports.kinds import RTF_KIND
from parlons.exchange.imports.results import Report, RowResult


class _Rollback(Exception):
    """Raised at the end of a trial run so the transaction is always rolled back."""


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
        lambda: tickets.create_tag(actor=actor, via="import", slug=v["slug"], line_of_business=lob, **fields),
        lambda tag, **changes: tickets.update_tag(tag, actor=actor, via="import", **changes),
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
        lambda: accounts.create_team(actor=actor, via="import", **fields),
        lambda team, **changes: accounts.update_team(team, actor=actor, via="import", **changes),
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
            via="import",
            username=v["username"],
            email=v["email"],
            first_name=v["first_name"],
            last_name=v["last_name"],
            language=v["language"] or "en",
            teams=teams,
            roles=roles,
        )
        if not active:
            accounts.update_user(user, actor=actor, via="import", is_active=False)
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
        accounts.update_user(user, actor=actor, via="import", **changes)
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
        lambda: tickets.create_canned_response(actor=actor, via="import", shortcut=v["shortcut"], **fields),
        lambda response, **changes: tickets.update_canned_response(
            response, actor=actor, via="import", **changes
        ),
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
            actor=actor, via="import", name=v["name"], shortcut=v["shortcut"], **{body_field: v["body"]}
        )
        return "create"
    if getattr(existing, body_field) == v["body"]:
        return "unchanged"
    tickets.update_canned_response(existing, actor=actor, via="import", **{body_field: v["body"]})
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
            with atomic():
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
        with atomic():
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
        with atomic():
            _run(report, actor)
            if not report.ok:
                raise _Rollback
    except _Rollback:
        pass
    return report
