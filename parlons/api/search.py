"""/api/v1/search: thin routes over the search selectors (items + snippets + facets; streamed exports)."""

from __future__ import annotations

import csv
from typing import Literal

from django.http import StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from parlons.api.common import ERRORS
from parlons.api.schemas import TicketSummary, summary
from parlons.search.selectors import EXPORT_COLUMNS, export_rows, search_tickets

router = Router(tags=["search"])

Ordering = Literal["relevance", "created", "-created", "updated", "-updated"]


class SearchIn(Schema):
    q: str = Field("", description="A query in the search language (see docs/search.md)")
    order: Ordering = "relevance"
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)
    facets: bool = Field(True, description="Count the results per channel, status and tag (false: faster)")


class SearchItem(TicketSummary):
    snippet: str = Field("", description="Escaped HTML; the matched words are in <mark>")


class FacetCount(Schema):
    value: str
    count: int


class SearchOut(Schema):
    items: list[SearchItem]
    facets: dict[str, list[FacetCount]]
    next_cursor: str | None = None
    total: int | None = Field(
        None,
        description="How many results, when known: null when the facets were left out and the results span "
        "more than one page, or when there are more than 10,000 (the facets then count the 10,000 most recent)",
    )


class ExportIn(Schema):
    q: str = ""
    format: Literal["csv", "xlsx"] = "csv"
    order: Literal["created", "-created", "updated", "-updated"] = "-created"


# The operation ids are those the routes had under ``parlons.search.api``, kept for clients generated from
# the OpenAPI document.
@router.get(
    "",
    response={200: SearchOut, **ERRORS},
    summary="Search tickets (query language, snippets, facets)",
    operation_id="parlons_search_api_search",
)
def search(request, params: Query[SearchIn]):
    result = search_tickets(
        request.user,
        params.q,
        ordering=params.order,
        cursor=params.cursor,
        limit=params.limit,
        with_facets=params.facets,
    )
    items = [{**summary(t), "snippet": result.snippets.get(t.pk, "")} for t in result.items]
    return {"items": items, "facets": result.facets, "next_cursor": result.next_cursor, "total": result.total}


class _Echo:
    def write(self, value):
        return value


def _csv_stream(rows):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read UTF-8 accents correctly
    yield writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        yield writer.writerow(row)


def _xlsx_stream(rows):
    """openpyxl's write-only workbook keeps rows out of memory, but writes the file only on save; the rows are
    streamed to a temporary file on disk, which is then sent in chunks."""
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("tickets")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append(list(row))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk


@router.get(
    "/export",
    response=ERRORS,
    summary="Export every result to csv or xlsx (streamed)",
    operation_id="parlons_search_api_export",
)
def export(request, params: Query[ExportIn]):
    rows = export_rows(request.user, params.q, ordering=params.order)  # checks data.export and the syntax
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if params.format == "xlsx":
        response = StreamingHttpResponse(
            _xlsx_stream(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="parlons-search-{stamp}.{params.format}"'
    return response
