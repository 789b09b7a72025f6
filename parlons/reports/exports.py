"""Report exports (RPT-4): xlsx, pdf, docx and csv of a report, and long ticket exports run as a task.

- xlsx: a real spreadsheet (typed cells: numbers as numbers, dates as dates), a header row, a "Filters" sheet.
- pdf: title, period, filters, the chart, the table, page numbers; Helvetica with WinAnsi encoding covers the
  French letters (é è ê à â ç ô û ù ï œ « »).
- docx: the same content, editable in Word (the chart as a picture).
- csv: UTF-8 with a byte-order mark so that Excel opens accents right.

The tickets behind a figure can be many (100,000 and more): ``export_tickets`` writes them in batches through
openpyxl's write-only mode (rows go straight to the file) so memory stays flat, and reports progress.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.reports.charts import build_chart, png_bytes, reportlab_drawing
from parlons.reports.selectors import Result, local_zone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TICKET_BATCH = 2000


def filename(result: Result, fmt: str) -> str:
    p = result.params.period
    return f"{result.report.name}_{p.start.isoformat()}_{p.end.isoformat()}.{fmt}"


def _cell(value, kind: str):
    if value is None:
        return None
    if kind == "date" and isinstance(value, datetime):
        return timezone.localtime(value, local_zone()).date()
    return value


def table(result: Result) -> tuple[list[str], list[list]]:
    header = [c.label for c in result.columns]
    rows = [[_cell(row.get(c.key), c.kind) for c in result.columns] for row in result.rows]
    return header, rows


def _display(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- csv --------------------------------------------------------------------------------------------
class _Echo:
    def write(self, value):
        return value


def to_csv(result: Result) -> Iterator[str]:
    """The table as csv lines (streamed)."""
    header, rows = table(result)
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row]
        )


# --- xlsx -------------------------------------------------------------------------------------------
def _number_format(kind: str) -> str | None:
    return {"hours": "0.00", "ratio": "0.00", "date": "yyyy-mm-dd", "int": "0"}.get(kind)


def to_xlsx(result: Result) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Report")[:31])
    bold = Font(bold=True)
    header = []
    for column in result.columns:
        cell = WriteOnlyCell(ws, value=column.label)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in result.rows:
        cells = []
        for column in result.columns:
            cell = WriteOnlyCell(ws, value=_cell(row.get(column.key), column.kind))
            fmt = _number_format(column.kind)
            if fmt and cell.value is not None:
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)
    filters = wb.create_sheet(_("Filters")[:31])
    filters.append([_("Report"), result.title])
    for label, value in result.filters():
        filters.append([label, value])
    filters.append([_("Generated"), timezone.localtime(timezone.now(), local_zone()).replace(tzinfo=None)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- pdf --------------------------------------------------------------------------------------------
def to_pdf(result: Result) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    page_text = _("Page %(page)s")

    def number_pages(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 1.5 * cm, 1 * cm, page_text % {"page": doc.page})
        canvas.drawString(1.5 * cm, 1 * cm, f"Parlons – {result.title}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=result.title,
        author="Parlons",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.8 * cm,
    )
    story = [Paragraph(escape(result.title), styles["Title"])]
    story.append(Paragraph(escape(str(result.report.description)), styles["Normal"]))
    story.append(Spacer(1, 0.3 * cm))
    filters = Table([[escape(k), escape(v)] for k, v in result.filters()], colWidths=[4.5 * cm, 12 * cm])
    filters.setStyle(
        TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 9)])
    )
    story += [filters, Spacer(1, 0.4 * cm)]
    if result.note:
        story += [Paragraph(escape(result.note), styles["Italic"]), Spacer(1, 0.3 * cm)]
    chart = build_chart(result)
    if chart is not None:
        story += [reportlab_drawing(chart, scale=0.75), Spacer(1, 0.4 * cm)]
    header, rows = table(result)
    cell_style = styles["BodyText"]
    cell_style.fontSize = 8
    cell_style.leading = 10
    data = [[Paragraph(f"<b>{escape(h)}</b>", cell_style) for h in header]]
    data += [[Paragraph(escape(_display(v)), cell_style) for v in row] for row in rows]
    if not rows:
        data.append([Paragraph(escape(_("No data for this period.")), cell_style)] + [""] * (len(header) - 1))
    grid = Table(data, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
    doc.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()


# --- docx -------------------------------------------------------------------------------------------
def to_docx(result: Result) -> bytes:
    from docx import Document
    from docx.shared import Inches

    document = Document()
    document.core_properties.title = result.title
    document.add_heading(result.title, level=1)
    document.add_paragraph(str(result.report.description))
    filters = document.add_table(rows=0, cols=2)
    filters.style = "Table Grid"
    for label, value in result.filters():
        cells = filters.add_row().cells
        cells[0].text, cells[1].text = label, value
    if result.note:
        document.add_paragraph(result.note)
    chart = build_chart(result)
    if chart is not None:
        png = png_bytes(chart)
        document.add_paragraph()
        document.add_picture(io.BytesIO(png), width=Inches(6))
        document.add_paragraph(chart.description)
    header, rows = table(result)
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, value in zip(grid.add_row().cells, row, strict=True):
            cell.text = _display(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


RENDERERS: dict[str, Callable[[Result], bytes]] = {"xlsx": to_xlsx, "pdf": to_pdf, "docx": to_docx}


def render(result: Result, fmt: str) -> bytes | Iterator[str]:
    if fmt == "csv":
        return to_csv(result)
    return RENDERERS[fmt](result)


# --- long ticket exports ----------------------------------------------------------------------------
TICKET_COLUMNS = [
    ("id", "ID"),
    ("subject", "Subject"),
    ("status", "Status"),
    ("created_at", "Created"),
    ("resolved_at", "Resolved"),
    ("channel", "Channel"),
    ("channel_group", "Channel group"),
    ("team", "Team"),
    ("assignee", "Assignee"),
    ("language", "Language"),
    ("tags", "Tags"),
]


def ticket_headers() -> list[str]:
    labels = {
        "ID": _("ID"),
        "Subject": _("Subject"),
        "Status": _("Status"),
        "Created": _("Created"),
        "Resolved": _("Resolved"),
        "Channel": _("Channel"),
        "Channel group": _("Channel group"),
        "Team": _("Team"),
        "Assignee": _("Assignee"),
        "Language": _("Language"),
        "Tags": _("Tags"),
    }
    return [str(labels[label]) for _key, label in TICKET_COLUMNS]


def ticket_rows(queryset, *, progress: Callable[[int], None] | None = None) -> Iterator[list]:
    """The tickets as rows, read in id-ordered batches (keyset pagination: flat memory, no big OFFSET)."""
    from parlons.accounts.models import Team, User
    from parlons.tickets.models import ChannelGroup, Platform, TicketTag

    zone = local_zone()
    statuses = dict(_status_labels())
    users = {u.pk: u.display_name for u in User.objects.all()}
    teams = dict(Team.objects.values_list("pk", "name"))
    groups = {g.pk: (g.name, g.channel.platform) for g in ChannelGroup.objects.select_related("channel")}
    platforms = {k: str(v) for k, v in Platform.choices}
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    last, done = 0, 0
    fields = [
        "pk",
        "subject",
        "status",
        "created_at",
        "resolved_at",
        "channel_group_id",
        "team_id",
        "assignee_id",
        "language",
    ]
    while True:
        batch = list(ids.filter(pk__gt=last)[:TICKET_BATCH])
        if not batch:
            return
        tags: dict[int, list[str]] = {}
        for ticket_id, slug in TicketTag.objects.filter(ticket_id__in=batch).values_list(
            "ticket_id", "tag__slug"
        ):
            tags.setdefault(ticket_id, []).append(slug)
        from parlons.tickets.models import Ticket

        for t in Ticket.objects.filter(pk__in=batch).order_by("pk").values_list(*fields):
            pk, subject, status, created, resolved, group_id, team_id, assignee_id, language = t
            group_name, platform = groups.get(group_id, ("", ""))
            yield [
                pk,
                subject,
                statuses.get(status, status),
                timezone.localtime(created, zone).replace(tzinfo=None),
                timezone.localtime(resolved, zone).replace(tzinfo=None) if resolved else None,
                platforms.get(platform, platform),
                group_name,
                teams.get(team_id, ""),
                users.get(assignee_id, ""),
                language,
                ", ".join(sorted(tags.get(pk, []))),
            ]
        last = batch[-1]
        done += len(batch)
        if progress:
            progress(done)


def _status_labels():
    from parlons.tickets.models import Ticket

    return [(k, str(v)) for k, v in Ticket.Status.choices]


def write_tickets_xlsx(queryset, path: Path, *, progress=None) -> int:
    """Write the tickets to an xlsx file in write-only (streaming) mode. Returns the number written."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Tickets")[:31])
    ws.append(ticket_headers())
    count = 0
    for row in ticket_rows(queryset, progress=progress):
        ws.append(row)  # datetimes become date cells (openpyxl's default date-time format)
        count += 1
    wb.save(path)
    return count


def write_tickets_csv(queryset, path: Path, *, progress=None) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(ticket_headers())
        for row in ticket_rows(queryset, progress=progress):
            writer.writerow(
                ["" if v is None else (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for v in row]
            )
            count += 1
    return count


def export_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "report-exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def delete_export_file(export) -> None:
    if export.file:
        with contextlib.suppress(FileNotFoundError):
            os.remove(export_dir() / export.file)
