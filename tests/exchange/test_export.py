"""Ticket exports to xlsx (ENV-7, OPS-3): read back with openpyxl — sheets, typed cells, dates as dates, the
filters sheet, tag and search filters, permissions, the background task."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from parlons.core.errors import Forbidden, Invalid
from parlons.core.worker import run_pending_tasks
from parlons.exchange import services
from parlons.exchange.models import ExportJob
from parlons.tickets.models import Message
from parlons.tickets.selectors import TicketFilters
from tests import factories

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


@pytest.fixture
def data(admin_user):
    tag = factories.TagFactory(slug="passeport", name_en="Passport", name_fr="Passeport")
    other = factories.TagFactory(slug="visa", name_en="Visa", name_fr="Visa")
    created = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
    t1 = factories.TicketFactory(subject="Renouvellement de passeport", created_at=created, tags=[tag])
    t2 = factories.TicketFactory(subject='=HYPERLINK("http://evil")', created_at=created, tags=[other])
    factories.MessageFactory(ticket=t1, body="Bonjour, où est mon passeport ? Ça presse.", created_at=created)
    factories.MessageFactory(
        ticket=t1,
        direction=Message.Direction.OUT,
        author_user=admin_user,
        author_contact=None,
        body="Nous vérifions.",
        created_at=created + dt.timedelta(hours=1),
    )
    factories.MessageFactory(ticket=t2, body="Visa?", created_at=created)
    factories.NoteFactory(ticket=t1, author=admin_user, body="Note interne élevée", created_at=created)
    return {"t1": t1, "t2": t2, "created": created}


def _read(user, f: TicketFilters):
    return load_workbook(io.BytesIO(_bytes(user, f)))


def _bytes(user, f):
    buffer = io.BytesIO()
    services.export_tickets_now(user, f, buffer)
    return buffer.getvalue()


def test_export_sheets_types_dates_req_env7(admin_user, data):
    admin_user.time_zone = "America/Toronto"
    wb = _read(admin_user, TicketFilters())
    assert wb.sheetnames == ["Tickets", "Messages", "Notes", "Filters"]
    tickets = list(wb["Tickets"].iter_rows(values_only=True))
    assert tickets[0][0] == "Ticket" and tickets[0][1] == "Subject" and tickets[0][13] == "Created"
    assert len(tickets) == 3
    row = tickets[1]
    assert row[0] == data["t1"].pk and isinstance(row[0], int)
    assert row[1] == "Renouvellement de passeport"
    assert row[4] is False  # spam, a real boolean
    assert row[12] == "passeport"
    # a date is a date, in the reader's time zone (14:30 UTC = 09:30 in Toronto in March)
    assert isinstance(row[13], dt.datetime)
    assert row[13] == dt.datetime(2026, 3, 2, 9, 30)
    assert wb["Tickets"].cell(row=2, column=14).is_date
    # text that looks like a formula stays text
    assert tickets[2][1] == '=HYPERLINK("http://evil")'
    assert wb["Tickets"].cell(row=3, column=2).data_type == "s"
    messages = list(wb["Messages"].iter_rows(values_only=True))
    assert len(messages) == 4
    bodies = [m[6] for m in messages[1:]]
    assert "Bonjour, où est mon passeport ? Ça presse." in bodies
    out = next(m for m in messages[1:] if m[6] == "Nous vérifions.")
    assert out[3] == "Outgoing" and out[5] == "admin"
    assert isinstance(out[2], dt.datetime)
    notes = list(wb["Notes"].iter_rows(values_only=True))
    assert notes[1][0] == data["t1"].pk and notes[1][4] == "Note interne élevée"


def test_export_by_tag_and_filters_sheet_req_ops3(admin_user, data):
    wb = _read(admin_user, TicketFilters(tags=["passeport"]))
    ids = [r[0] for r in wb["Tickets"].iter_rows(min_row=2, values_only=True)]
    assert ids == [data["t1"].pk]
    messages = [r[0] for r in wb["Messages"].iter_rows(min_row=2, values_only=True)]
    assert set(messages) == {data["t1"].pk}
    filters = {r[0]: r[1] for r in wb["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters["tags"] == "passeport"
    assert filters["Tickets"] == 1
    assert isinstance(filters["Exported at"], dt.datetime)


def test_export_search_query_req_ops3(admin_user, data):
    wb = _read(admin_user, TicketFilters(q="tag:visa"))
    ids = [r[0] for r in wb["Tickets"].iter_rows(min_row=2, values_only=True)]
    assert ids == [data["t2"].pk]


def test_export_headers_in_french_req_env7(admin_user, data):
    from django.utils import translation

    with translation.override("fr"):
        wb = _read(admin_user, TicketFilters())
    assert wb.sheetnames == ["Billets", "Messages", "Notes", "Filtres"]
    header = next(wb["Billets"].iter_rows(max_row=1, values_only=True))
    assert header[:2] == ("Billet", "Objet") and header[13] == "Créé"


def test_export_bad_query_is_invalid_req_env7(admin_user, data):
    with pytest.raises(Invalid):
        _bytes(admin_user, TicketFilters(status=["nonsense"]))


def test_export_needs_data_export_req_env7(agent_user, lead_user, analyst_user, data):
    for user in (agent_user, lead_user):
        with pytest.raises(Forbidden):
            _bytes(user, TicketFilters())
    assert _bytes(analyst_user, TicketFilters())  # analysts hold data.export


def test_large_export_runs_as_task_req_env7(admin_user, data, settings):
    settings.PARLONS_EXPORT_SYNC_LIMIT = 1
    assert services.export_is_large(admin_user, TicketFilters())
    job = services.queue_ticket_export(admin_user, TicketFilters())
    assert job.status == ExportJob.Status.QUEUED and job.total == 2
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.done == 2
    wb = load_workbook(job.file_path)
    assert len(list(wb["Tickets"].iter_rows(min_row=2))) == 2
    # nobody else sees the job
    other = factories.UserFactory(username="other-admin", roles=["admin"])
    from parlons.core.errors import NotFound

    with pytest.raises(NotFound):
        services.export_job_of(other, job.pk)
    # purged after a week
    assert services.purge_old_exports(timezone.now() + dt.timedelta(days=8)) == 1
    assert not ExportJob.objects.exists()


def test_export_streams_in_chunks_req_env7(admin_user, data):
    from parlons.exchange import workbooks

    calls = []
    buffer = io.BytesIO()
    count = workbooks.write_ticket_export(
        admin_user, TicketFilters(), buffer, tz=TORONTO, chunk_size=1, progress=calls.append
    )
    assert count == 2 and calls == [1, 2]
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    assert len(list(wb["Messages"].iter_rows(min_row=2))) == 3
