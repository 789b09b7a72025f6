"""xlsx writers: the ticket export (sheets Tickets, Messages, Notes, Filters) and the catalogue workbooks (the
import templates, and the same with rows for a round trip).

Write-only workbooks: openpyxl keeps each sheet's rows in its own temporary file, not in memory, so a sheet
can grow while the others do (one chunk of tickets at a time) and 100,000 tickets keep memory flat."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from parlons.exchange import selectors
from parlons.exchange.imports import KINDS
from parlons.tickets.models import Message, MessageKind, Platform, Ticket
from parlons.tickets.selectors import TicketFilters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32767  # Excel's limit for one cell
_BOLD = Font(bold=True)


class _Sheet:
    """A write-only sheet that writes text as text (never a formula: ``=cmd|…`` stays inert), without the
    control characters xlsx forbids, and datetimes in the reader's time zone (xlsx has no time zones)."""

    def __init__(self, workbook, title: str, header: list[str], widths: list[int] | None = None, tz=None):
        self.sheet = workbook.create_sheet(title)
        self.tz = tz
        for i, width in enumerate(widths or []):
            self.sheet.column_dimensions[_letter(i)].width = width
        self.sheet.freeze_panes = "A2"
        self.sheet.append([self._head(h) for h in header])

    def _head(self, text):
        cell = WriteOnlyCell(self.sheet, value=str(text))
        cell.font = _BOLD
        return cell

    def value(self, value):
        # The hot path of a 100,000-ticket export (millions of cells): plain checks, no Django helpers.
        if isinstance(value, str):
            value = str(value)  # a lazy or safe string becomes a plain one
            if not value:
                return None
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(value) > MAX_CELL:
                value = value[:MAX_CELL]
            if value[:1] == "=":
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.data_type = "s"
                return cell
            return value
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return (value.astimezone(self.tz) if self.tz else value).replace(tzinfo=None)
        return value

    def append(self, row) -> None:
        self.sheet.append([self.value(v) for v in row])


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def ticket_headers() -> dict[str, list[str]]:
    return {
        "tickets": [
            _("Ticket"),
            _("Subject"),
            _("Status"),
            _("Priority"),
            _("Spam"),
            _("Language"),
            _("Channel"),
            _("Channel group"),
            _("Contact"),
            _("Handle"),
            _("Assignee"),
            _("Team"),
            _("Tags"),
            _("Created"),
            _("Updated"),
            _("First response"),
            _("Resolved"),
            _("Closed"),
        ],
        "messages": [
            _("Ticket"),
            _("Message"),
            _("Time"),
            _("Direction"),
            _("Kind"),
            _("Author"),
            _("Text"),
            _("Delivery"),
        ],
        "notes": [_("Ticket"), _("Note"), _("Time"), _("Author"), _("Text")],
    }


def write_ticket_export(
    user, f: TicketFilters, out, *, tz, notes: bool = True, chunk_size: int = selectors.CHUNK, progress=None
) -> int:
    """Write the export workbook to the binary file ``out``; returns the number of tickets. Needs data.export
    (checked before anything is written). ``progress(done)`` is called after each chunk."""
    chunks = selectors.export_chunks(user, f, chunk_size=chunk_size, notes=notes)  # checks the permission
    headers = ticket_headers()
    workbook = Workbook(write_only=True)
    tickets = _Sheet(
        workbook,
        _("Tickets"),
        headers["tickets"],
        [9, 40, 11, 10, 7, 9, 12, 22, 22, 18, 14, 16, 24] + [18] * 5,
        tz,
    )
    messages = _Sheet(workbook, _("Messages"), headers["messages"], [9, 10, 18, 11, 14, 22, 80, 11], tz)
    notes_sheet = _Sheet(workbook, _("Notes"), headers["notes"], [9, 9, 18, 22, 80], tz) if notes else None
    # labels translated once (a lazy string costs a translation lookup each time it is used)
    status = {k: str(v) for k, v in Ticket.Status.choices}
    priority = {k: str(v) for k, v in Ticket.Priority.choices}
    platform = {k: str(v) for k, v in Platform.choices}
    kind = {k: str(v) for k, v in MessageKind.choices}
    direction = {k: str(v) for k, v in Message.Direction.choices}
    delivery = {k: str(v) for k, v in Message.Delivery.choices}
    count = 0
    for chunk in chunks:
        for t in chunk.tickets:
            tickets.append(
                [
                    t["pk"],
                    t["subject"],
                    status.get(t["status"], t["status"]),
                    priority.get(t["priority"], t["priority"]),
                    t["is_spam"],
                    t["language"],
                    platform.get(t["channel_group__channel__platform"], ""),
                    t["channel_group__name"],
                    t["contact__name"],
                    chunk.handles.get(t["contact_id"], ""),
                    t["assignee__username"] or "",
                    t["team__name"] or "",
                    ", ".join(chunk.tags.get(t["pk"], [])),
                    t["created_at"],
                    t["updated_at"],
                    t["first_response_at"],
                    t["resolved_at"],
                    t["closed_at"],
                ]
            )
        for m in chunk.messages:
            author = m["author_user__username"] if m["direction"] == "out" else m["author_contact__name"]
            messages.append(
                [
                    m["ticket_id"],
                    m["pk"],
                    m["created_at"],
                    direction.get(m["direction"], m["direction"]),
                    kind.get(m["kind"], m["kind"]),
                    author or "",
                    m["body"],
                    delivery.get(m["delivery_status"], "") if m["direction"] == "out" else "",
                ]
            )
        if notes_sheet is not None:
            for n in chunk.notes:
                notes_sheet.append(
                    [n["ticket_id"], n["pk"], n["created_at"], n["author__username"] or "", n["body"]]
                )
        count += len(chunk.tickets)
        if progress:
            progress(count)
    filters = _Sheet(workbook, _("Filters"), [_("Filter used"), _("Value")], [24, 60], tz)
    described = selectors.describe_filters(f)
    for name, value in described:
        filters.append([name, value])
    if not described:
        filters.append([_("(none)"), _("every ticket you can read")])
    filters.append([_("Exported by"), user.username])
    filters.append([_("Exported at"), timezone.now()])
    filters.append([_("Time zone of the dates"), str(tz)])
    filters.append([_("Tickets"), count])
    workbook.save(out)
    return count


def ticket_export_bytes(user, f: TicketFilters, *, tz, notes: bool = True) -> bytes:
    buffer = io.BytesIO()
    write_ticket_export(user, f, buffer, tz=tz, notes=notes)
    return buffer.getvalue()


# --- catalogue workbooks (templates and round trips) -----------------------------------------------
def catalogue_workbook(kind: str, *, with_rows: bool) -> bytes:
    """The workbook of an import ``kind``: one sheet per part with the column codes as its header (the same in
    both languages), a "read_me" sheet describing every column in the reader's language, and the current data
    when ``with_rows`` (an export that imports back unchanged)."""
    spec = KINDS[kind]
    rows = selectors.catalogue_rows(kind) if with_rows else {}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_spec in spec.sheets:
        sheet = workbook.create_sheet(sheet_spec.name)
        sheet.append(sheet_spec.codes)
        for cell in sheet[1]:
            cell.font = _BOLD
        for i, col in enumerate(sheet_spec.columns):
            sheet.column_dimensions[_letter(i)].width = 60 if col.code.startswith("body") else 24
        sheet.freeze_panes = "A2"
        for row in rows.get(sheet_spec.name, []):
            sheet.append([_plain(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    readme = workbook.create_sheet("read_me")
    readme.append([_("Sheet"), _("Column"), _("Required"), _("Description")])
    for cell in readme[1]:
        cell.font = _BOLD
    for sheet_spec in spec.sheets:
        for col in sheet_spec.columns:
            readme.append([sheet_spec.name, col.code, _("yes") if col.required else _("no"), str(col.help)])
    readme.append([])
    readme.append(
        [_("Keep the first row of each sheet as it is. Rows whose identifier already exists update it.")]
    )
    for i, width in enumerate((20, 20, 10, 80)):
        readme.column_dimensions[_letter(i)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL]
    return value
