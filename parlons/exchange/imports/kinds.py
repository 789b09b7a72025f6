"""What each kind of import holds: its sheets, their columns and the permission it needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from parlons.accounts.permissions import ADMIN, MANAGE


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
