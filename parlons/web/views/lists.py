"""The inbox (current work, UI-2, OPS-8, OPS-14, OPS-22, OPS-23) and bulk update (OPS-21)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import READ, WRITE, has_perm
from parlons.core.errors import Invalid
from parlons.tickets.models import ContactIdentity, Message, Tag, Ticket
from parlons.tickets.selectors import TicketFilters, page_of_tickets, tickets_visible_to
from parlons.tickets.services import UNSET, Changes, bulk_update, resolve_refs
from parlons.tickets.services.properties import MAX_BULK
from parlons.web.forms import SAVED_VIEWS, UNCHANGED, BulkForm, InboxFilterForm, day_start
from parlons.web.templatetags.parlons_tags import user_time_zone
from parlons.web.views._common import friendly_errors, safe_next

PAGE_SIZE = 50
OPEN = [s.value for s in Ticket.OPEN_STATUSES]


def _filters_from(form: InboxFilterForm, user) -> TicketFilters:
    data = form.cleaned_data
    tz = user_time_zone(user)
    f = TicketFilters(
        status=data["status"] or OPEN,
        priority=data["priority"],
        channel=data["channel"],
        tags=data["tags"],
        exclude_tags=data["exclude_tags"],
        handle=data["handle"].strip(),
    )
    for name, value in (
        ("channel_group", data["channel_group"]),
        ("assignee", data["assignee"]),
        ("team", data["team"]),
    ):
        if value is not None:
            setattr(f, name, [value])
    for name in ("created_from", "updated_from"):
        if data[name]:
            setattr(f, name, day_start(data[name], tz))
    for name in ("created_to", "updated_to"):
        if data[name]:
            setattr(f, name, day_start(data[name] + dt.timedelta(days=1), tz))
    view = data["view"]
    if view == "mine":
        f.assignee = [user.pk]
    elif view == "unassigned":
        f.unassigned = True
    elif view == "team":
        f.team = list(user.teams.values_list("pk", flat=True)) or [0]
    if view == "spam":
        f.spam = True
    elif view:
        f.spam = False
    return f


def with_last_lines(tickets: list[Ticket]) -> list[Ticket]:
    """Add ``last_line`` (first line of the newest message) to each ticket, in one query."""
    if not tickets:
        return tickets
    newest = Message.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id").values("body")[:1]
    bodies = dict(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets])
        .annotate(b=Subquery(newest))
        .values_list("pk", "b")
    )
    handles: dict[int, str] = {}
    for contact_id, handle in (
        ContactIdentity.objects.filter(contact_id__in={t.contact_id for t in tickets})
        .exclude(handle="")
        .order_by("-id")
        .values_list("contact_id", "handle")
    ):
        handles[contact_id] = handle
    for ticket in tickets:
        body = (bodies.get(ticket.pk) or "").strip()
        ticket.last_line = body.splitlines()[0][:100] if body else ""
        ticket.handle = handles.get(ticket.contact_id, "")
        tags = list(ticket.tags.all())
        ticket.first_tags, ticket.more_tags = tags[:3], max(0, len(tags) - 3)
    return tickets


def ticket_list_context(request, form: InboxFilterForm, *, extra: TicketFilters | None = None) -> dict:
    """The shared list component's context: the page of tickets, the next-page link, errors."""
    context = {"form": form, "tickets": [], "next_url": "", "list_error": ""}
    if not has_perm(request.user, READ):
        context["can_read"] = False
        return context
    context["can_read"] = True
    context["can_write"] = has_perm(request.user, WRITE)
    context["all_tags"] = Tag.objects.filter(is_archived=False).values("slug")
    if not form.is_valid():
        context["list_error"] = _("Some filters are not valid; correct them and apply again.")
        return context
    filters = _filters_from(form, request.user)
    if extra is not None:
        filters.tracker = extra.tracker
        if not form.cleaned_data["status"]:
            filters.status = []
    try:
        tickets, cursor = page_of_tickets(
            request.user,
            filters,
            ordering=form.cleaned_data["order"],
            cursor=form.cleaned_data["cursor"],
            limit=PAGE_SIZE,
        )
    except Invalid as exc:
        context["list_error"] = str(exc)
        return context
    context["tickets"] = with_last_lines(tickets)
    if cursor:
        query = request.GET.copy()
        query["cursor"] = cursor
        context["next_url"] = f"{request.path}?{query.urlencode()}"
    if form.cleaned_data["cursor"]:
        query = request.GET.copy()
        query.pop("cursor", None)
        context["first_url"] = f"{request.path}?{query.urlencode()}"
    return context


def saved_views(user) -> list[dict]:
    return [
        {"key": key, "label": label, "url": "/?" + urlencode({"view": key})}
        for key, label in SAVED_VIEWS.items()
    ]


def own_views(user) -> list[dict]:
    """The inbox views a user saved (their filters under a name), after the standard ones."""
    from parlons.search.models import SavedSearch

    return [
        {"id": v.pk, "label": v.name, "url": "/?" + v.query, "query": v.query}
        for v in SavedSearch.objects.filter(user=user, kind=SavedSearch.Kind.INBOX)
    ]


@login_required
def inbox(request):
    form = InboxFilterForm(request.GET)
    context = ticket_list_context(request, form)
    context.update(
        {
            "saved_views": saved_views(request.user),
            "own_views": own_views(request.user),
            "current_query": request.GET.copy().urlencode(),
            "current_view": request.GET.get("view", ""),
            "bulk_form": BulkForm(),
            "list_url": request.path,
            "filtered": any(v for k, v in request.GET.items() if k not in {"cursor", "order"}),
        }
    )
    if request.htmx and not request.htmx.boosted:
        return render(request, "web/components/ticket_list.html", context)
    return render(request, "web/pages/inbox.html", context)


def _ids_matching(request) -> list[int]:
    """Every ticket matching the filters the list showed (OPS-21: "all results of a filter"), up to the bulk
    limit; the filters come back with the form as the list's query string and, for a tracker, its id."""
    if "search_query" in request.POST:  # the bulk panel of the search page: every result of the search
        from parlons.search.selectors import filter_by_query

        visible = filter_by_query(
            tickets_visible_to(request.user), request.POST["search_query"], request.user
        )
        return list(visible.order_by("-created_at", "-id").values_list("pk", flat=True)[:MAX_BULK])
    form = InboxFilterForm(QueryDict(request.POST.get("filter_query", "")))
    if not form.is_valid():
        return []
    filters = _filters_from(form, request.user)
    tracker = request.POST.get("tracker_scope", "")
    if tracker.isdigit():
        filters.tracker = int(tracker)
        if not form.cleaned_data["status"]:
            filters.status = []
    ids: list[int] = []
    cursor = ""
    while len(ids) < MAX_BULK:
        rows, cursor = page_of_tickets(
            request.user, filters, ordering=form.cleaned_data["order"], cursor=cursor or "", limit=200
        )
        ids.extend(t.pk for t in rows)
        if not cursor:
            break
    return ids[:MAX_BULK]


def _bulk_changes(form: BulkForm) -> Changes:
    data = form.cleaned_data
    refs = {}
    assignee = data["assignee"]
    team = data["team"]
    refs = resolve_refs(
        assignee_id=UNSET if assignee == UNCHANGED else (None if assignee == "none" else assignee),
        team_id=UNSET if team == UNCHANGED else (None if team == "none" else team),
        tag_slugs_add=data["add_tags"],
        tag_slugs_remove=data["remove_tags"],
        tracker_ids_add=[data["tracker"]] if data["tracker"] else None,
    )
    changes = Changes(**refs)
    if data["status"]:
        changes.status = data["status"]
    if data["priority"]:
        changes.priority = data["priority"]
    if data["spam"]:
        changes.is_spam = data["spam"] == "yes"
    return changes


def _describe_changes(form: BulkForm) -> list[str]:
    lines = []
    for name in ("status", "priority", "assignee", "team", "spam", "tracker"):
        value = form.cleaned_data[name]
        if value not in (UNCHANGED, None):
            label = dict(form.fields[name].choices).get(value, value)
            lines.append(f"{form.fields[name].label}: {label}")
    for name in ("add_tags", "remove_tags"):
        if form.cleaned_data[name]:
            lines.append(f"{form.fields[name].label}: {', '.join(form.cleaned_data[name])}")
    return lines


@require_POST
@login_required
@friendly_errors
def bulk(request):
    """OPS-21: first a confirmation that says how many tickets change, then ``bulk_update``."""
    back = safe_next(request, "/")
    try:
        ids = list(dict.fromkeys(int(i) for i in request.POST.getlist("ids")))
    except ValueError:
        ids = []
    if request.POST.get("scope") == "filter":
        ids = _ids_matching(request)
    form = BulkForm(request.POST)
    error = ""
    if not ids:
        error = _("Select at least one ticket.")
    elif not form.is_valid():
        error = _("Some changes are not valid.")
    else:
        try:
            changes = _bulk_changes(form)
            if changes.is_empty():
                raise Invalid(_("Choose at least one change to make."))
            if request.POST.get("confirm") == "yes":
                result = bulk_update(ids, changes, actor=request.user)
                count = len(result["updated"])
                messages.success(
                    request,
                    ngettext("%(count)s ticket updated.", "%(count)s tickets updated.", count)
                    % {"count": count},
                )
                return redirect(back)
        except Invalid as exc:
            error = str(exc)
    if error:
        messages.error(request, error)
        return redirect(back)
    count = tickets_visible_to(request.user).filter(pk__in=ids).count()
    return render(
        request,
        "web/pages/bulk_confirm.html",
        {
            "ids": ids,
            "count": count,
            "changes": _describe_changes(form),
            "post": [
                (k, v)
                for k in request.POST
                if k
                not in {
                    "csrfmiddlewaretoken",
                    "ids",
                    "confirm",
                    "scope",
                    "filter_query",
                    "tracker_scope",
                    "search_query",
                }
                for v in request.POST.getlist(k)
            ],
            "next": back,
        },
    )
