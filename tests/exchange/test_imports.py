"""Imports from xlsx (ENV-7, ADM-6, ADM-7, ADM-8): templates, preview with every error by row and column, confirm
in one transaction through the services, round trips, every kind of bad file changes nothing, permissions."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from parlons.accounts.models import Team, User
from parlons.core.errors import Forbidden, Invalid
from parlons.exchange import services
from parlons.exchange.models import ImportBatch
from parlons.tickets.models import CannedResponse, LineOfBusiness, Tag, TagGroup
from tests import factories

pytestmark = pytest.mark.django_db


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


TAG_HEAD = ["slug", "name_en", "name_fr", "group", "line_of_business", "archived"]


def _snapshot():
    return (
        list(Tag.objects.values_list("slug", "name_en", "name_fr", "group__slug", "is_archived")),
        list(TagGroup.objects.values_list("slug", "parent__slug")),
        list(LineOfBusiness.objects.values_list("slug")),
        list(Team.objects.values_list("name", "description", "is_archived")),
        list(User.objects.values_list("username", "email", "is_active")),
        list(CannedResponse.objects.values_list("name", "body_en", "body_fr")),
    )


# --- templates -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["tags", "teams", "users", "canned"])
def test_templates_have_headers_and_read_me_req_env7(admin_user, kind):
    content = services.catalogue_workbook(admin_user, kind, with_rows=False)
    wb = load_workbook(io.BytesIO(content))
    assert "read_me" in wb.sheetnames
    from parlons.exchange.imports import KINDS

    for spec in KINDS[kind].sheets:
        header = [c.value for c in next(wb[spec.name].iter_rows(max_row=1))]
        assert header == spec.codes
        assert wb[spec.name].max_row == 1  # no data in a template
    # an empty template imports as "no rows", changing nothing
    report = services.preview_import(admin_user, kind, content)
    assert not report.ok and "no rows" in report.file_errors[0]


# --- preview and confirm ---------------------------------------------------------------------------
def test_tags_preview_then_confirm_req_env7_adm8(lead_user):
    content = xlsx(
        {
            "lines_of_business": [
                ["slug", "name_en", "name_fr"],
                ["immigration", "Immigration", "Immigration"],
            ],
            "tag_groups": [
                ["slug", "name_en", "name_fr", "parent", "line_of_business"],
                ["documents", "Documents", "Documents", "", "immigration"],
                ["passports", "Passports", "Passeports", "documents", ""],
            ],
            "tags": [
                TAG_HEAD,
                ["renewal", "Renewal", "Renouvellement", "passports", "", "no"],
                ["old-form", "Old form", "Ancien formulaire", "documents", "", True],
            ],
        }
    )
    batch = services.stage_import(lead_user, "tags", content, filename="tags.xlsx")
    assert batch.summary["ok"] and batch.summary["counts"] == {"create": 5}
    assert not Tag.objects.filter(slug="renewal").exists()  # a preview writes nothing
    assert not TagGroup.objects.exists() and not LineOfBusiness.objects.exists()
    report = services.confirm_import(lead_user, batch.pk)
    assert report.ok
    tag = Tag.objects.get(slug="renewal")
    assert tag.name_fr == "Renouvellement" and tag.group.slug == "passports"
    assert tag.group.parent.slug == "documents"
    assert tag.line_of_business.slug == "immigration"  # inherited from the group
    assert Tag.objects.get(slug="old-form").is_archived
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    with pytest.raises(Invalid):
        services.confirm_import(lead_user, batch.pk)  # never twice


def test_preview_lists_every_error_by_row_and_column_req_env7(lead_user):
    factories.TagFactory(slug="existing", name_en="Existing", name_fr="Existant")
    content = xlsx(
        {
            "tags": [
                TAG_HEAD,
                ["good", "Good", "Bon", "", "", ""],
                ["Bad Slug", "Bad", "Mauvais", "", "", ""],
                ["no-french", "No French", None, "", "", ""],
                ["when", "When", "Quand", "", "", "maybe"],
                ["good", "Again", "Encore", "", "", ""],
                ["orphan", "Orphan", "Orphelin", "missing-group", "", ""],
                ["dated", __import__("datetime").datetime(2026, 1, 1), "Daté", "", "", ""],
            ]
        }
    )
    before = _snapshot()
    report = services.preview_import(lead_user, "tags", content)
    assert not report.ok
    errors = {(r.row, e["column"]) for r in report.rows for e in r.errors}
    assert errors == {(3, "slug"), (4, "name_fr"), (5, "archived"), (6, "slug"), (7, "group"), (8, "name_en")}
    messages = {r.row: r.errors[0]["message"] for r in report.rows if r.errors}
    assert "Duplicate" in messages[6] and "row 2" in messages[6]
    assert "Expected yes or no" in messages[5]
    assert "Expected text" in messages[8]
    assert "missing-group" in messages[7]
    assert _snapshot() == before


def test_confirm_refuses_all_when_one_row_fails_req_env7(lead_user):
    """The data changed between preview and confirm: the failing row rolls back every other row."""
    content = xlsx(
        {
            "tags": [
                TAG_HEAD,
                ["first", "First", "Premier", "", "", ""],
                ["second", "Second", "Second", "grp", "", ""],
            ]
        }
    )
    group = factories.TagGroupFactory(slug="grp")
    batch = services.stage_import(lead_user, "tags", content)
    assert batch.summary["ok"]
    group.delete()
    report = services.confirm_import(lead_user, batch.pk)
    assert not report.ok
    assert not Tag.objects.filter(slug__in=["first", "second"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


# --- round trips -----------------------------------------------------------------------------------
def test_round_trip_tags_req_env7_adm8(admin_user):
    lob = factories.LineOfBusinessFactory(slug="passeports", name_en="Passports", name_fr="Passeports")
    group = factories.TagGroupFactory(
        slug="docs", name_en="Documents", name_fr="Pièces", line_of_business=lob
    )
    sub = factories.TagGroupFactory(slug="docs-sub", name_en="Sub", name_fr="Sous-groupe", parent=group)
    factories.TagFactory(slug="delai", name_en="Delay", name_fr="Délai", group=sub, line_of_business=lob)
    factories.TagFactory(slug="archivee", name_en="Old", name_fr="Archivée", is_archived=True)
    content = services.catalogue_workbook(admin_user, "tags", with_rows=True)
    before = _snapshot()
    # the same data imports back unchanged
    report = services.import_now(admin_user, "tags", content)
    assert report.ok and set(report.counts()) <= {"unchanged", "exists"}
    assert _snapshot() == before
    # and recreates everything when the catalogue is gone
    Tag.objects.all().delete()
    TagGroup.objects.filter(parent__isnull=False).delete()
    TagGroup.objects.all().delete()
    LineOfBusiness.objects.all().delete()
    report = services.import_now(admin_user, "tags", content)
    assert report.ok, report.as_dict()
    assert _snapshot() == before


def test_round_trip_teams_and_users_req_env7_adm6_adm7(admin_user):
    lead = factories.UserFactory(username="lea", first_name="Léa", last_name="Bélanger", language="fr")
    team = factories.TeamFactory(name="Équipe Québec", description="Dossiers francophones", lead=lead)
    lead.teams.add(team)
    factories.grant("agent", user=lead)
    teams_file = services.catalogue_workbook(admin_user, "teams", with_rows=True)
    users_file = services.catalogue_workbook(admin_user, "users", with_rows=True)
    rows = list(load_workbook(io.BytesIO(users_file))["users"].iter_rows(values_only=True))
    assert ("lea", "Léa", "Bélanger", lead.email, "fr", "Équipe Québec", "agent", True) in rows
    before = _snapshot()
    assert services.import_now(admin_user, "teams", teams_file).ok
    assert services.import_now(admin_user, "users", users_file).ok
    assert _snapshot() == before
    # changes in the file are applied through the services
    wb = load_workbook(io.BytesIO(users_file))
    sheet = wb["users"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "lea":
            row[3].value = "lea@example.gc.ca"
            row[6].value = "agent, analyst"
    sheet.append(["nouveau", "Zoé", "Lévesque", "zoe@example.gc.ca", "fr", "Équipe Québec", "reader", "oui"])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = services.import_now(admin_user, "users", buffer.getvalue())
    assert report.ok and report.counts() == {"unchanged": 1, "update": 1, "create": 1}
    lead.refresh_from_db()
    assert lead.email == "lea@example.gc.ca"
    assert set(lead.role_grants.values_list("role__slug", flat=True)) == {"agent", "analyst"}
    zoe = User.objects.get(username="nouveau")
    assert zoe.language == "fr" and list(zoe.teams.values_list("name", flat=True)) == ["Équipe Québec"]
    assert not zoe.has_usable_password()


def test_round_trip_canned_req_env7(lead_user):
    from parlons.tickets.services import create_canned_response

    create_canned_response(
        actor=lead_user, name="Délais", shortcut="delais", body_en="Delays", body_fr="Délais { }"
    )
    content = services.catalogue_workbook(lead_user, "canned", with_rows=True)
    before = _snapshot()
    assert services.import_now(lead_user, "canned", content).counts() == {"unchanged": 1}
    CannedResponse.objects.all().delete()
    assert services.import_now(lead_user, "canned", content).ok
    assert _snapshot() == before


def test_users_import_cannot_deactivate_yourself_req_env7(admin_user):
    content = xlsx({"users": [["username", "active"], ["admin", "no"]]})
    report = services.preview_import(admin_user, "users", content)
    assert report.rows[0].errors[0]["column"] == "active"
    assert User.objects.get(username="admin").is_active


# --- bad files -------------------------------------------------------------------------------------
def _refused(user, kind, content, code):
    before = _snapshot()
    batches = ImportBatch.objects.count()
    with pytest.raises(Invalid) as exc:
        services.stage_import(user, kind, content, filename="file.xlsx")
    assert exc.value.code == code
    assert _snapshot() == before and ImportBatch.objects.count() == batches
    return str(exc.value.message)


def test_text_file_named_xlsx_is_refused_req_env7(lead_user):
    message = _refused(lead_user, "tags", b"slug,name_en\nvisa,Visa\n", "not_xlsx")
    assert "not an Excel workbook" in message


def test_zip_that_is_not_a_workbook_is_refused_req_env7(lead_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "bonjour")
    _refused(lead_user, "tags", buffer.getvalue(), "not_xlsx")


def test_damaged_workbook_is_refused_req_env7(lead_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<not-a-workbook")
    _refused(lead_user, "tags", buffer.getvalue(), "bad_xlsx")


def test_huge_file_is_refused_req_env7(lead_user, settings):
    settings.PARLONS_IMPORT_MAX_BYTES = 1000
    content = xlsx({"tags": [TAG_HEAD] + [[f"t{i}", "x" * 50, "y" * 50, "", "", ""] for i in range(200)]})
    assert len(content) > 1000
    assert "too large" in _refused(lead_user, "tags", content, "file_too_large")


def test_too_many_rows_is_refused_req_env7(lead_user, settings):
    settings.PARLONS_IMPORT_MAX_ROWS = 3
    content = xlsx({"tags": [TAG_HEAD] + [[f"t{i}", "A", "B", "", "", ""] for i in range(4)]})
    _refused(lead_user, "tags", content, "too_many_rows")


def test_wrong_columns_changes_nothing_req_env7(lead_user):
    content = xlsx({"tags": [["code", "name_en", "colour"], ["visa", "Visa", "red"]]})
    before = _snapshot()
    report = services.preview_import(lead_user, "tags", content)
    assert not report.ok
    assert (
        "Missing: slug, name_fr" in report.file_errors[0]
        and "Not expected: code, colour" in report.file_errors[0]
    )
    assert services.import_now(lead_user, "tags", content).ok is False
    assert _snapshot() == before


def test_wrong_types_and_duplicates_change_nothing_req_env7(admin_user):
    content = xlsx(
        {
            "users": [
                ["username", "email", "language", "active"],
                ["marie", "not-an-email", "de", 7],
                ["Marie", "marie@example.gc.ca", "fr", "yes"],
            ]
        }
    )
    before = _snapshot()
    report = services.import_now(admin_user, "users", content)
    assert not report.ok
    errors = {(r.row, e["column"]) for r in report.rows for e in r.errors}
    assert errors == {(2, "email"), (2, "language"), (2, "active"), (3, "username")}
    assert _snapshot() == before


def test_bad_file_message_in_french_req_env7(lead_user):
    with translation.override("fr"), pytest.raises(Invalid) as exc:
        services.stage_import(lead_user, "tags", b"hello")
    assert "Excel" in str(exc.value.message) and "fichier" in str(exc.value.message)


# --- permissions -----------------------------------------------------------------------------------
def test_import_permissions_req_env7_adm4(agent_user, lead_user, admin_user):
    tags = xlsx({"tags": [TAG_HEAD, ["visa", "Visa", "Visa", "", "", ""]]})
    users = xlsx({"users": [["username"], ["zed"]]})
    with pytest.raises(Forbidden):
        services.stage_import(agent_user, "tags", tags)  # needs tickets.manage
    with pytest.raises(Forbidden):
        services.import_now(lead_user, "users", users)  # needs system.admin
    with pytest.raises(Forbidden):
        services.catalogue_workbook(lead_user, "users", with_rows=True)
    assert not User.objects.filter(username="zed").exists() and not Tag.objects.filter(slug="visa").exists()
    batch = services.stage_import(admin_user, "tags", tags)
    from parlons.core.errors import NotFound

    with pytest.raises(NotFound):
        services.confirm_import(lead_user, batch.pk)  # someone else's upload


def test_columns_left_out_change_nothing_req_env7_adm6(admin_user):
    team = factories.TeamFactory(name="Atlantique")
    user = factories.UserFactory(username="rene", first_name="René", last_name="Roy", teams=[team])
    report = services.import_now(
        admin_user, "users", xlsx({"users": [["username", "email"], ["rene", "r@example.gc.ca"]]})
    )
    assert report.ok and report.counts() == {"update": 1}
    assert set(report.rows[0].as_dict()["values"]) == {"username", "email"}
    user.refresh_from_db()
    assert (user.email, user.first_name, user.last_name) == ("r@example.gc.ca", "René", "Roy")
    assert list(user.teams.all()) == [team]


def test_blank_rows_are_skipped_and_row_numbers_stay_true_req_env7(lead_user):
    content = xlsx(
        {"tags": [TAG_HEAD, ["a-tag", "A", "A", "", "", ""], [None] * 6, [], ["b-tag", "B", "", "", "", ""]]}
    )
    report = services.preview_import(lead_user, "tags", content)
    assert [r.row for r in report.rows] == [2, 5]
    assert report.rows[1].errors == [{"column": "name_fr", "message": "This cell is required."}]
