"""Trackers (OPS-18): list, create, rename, and a tracker's tickets in the same list component."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import MANAGE, READ, has_perm, require
from parlons.core.errors import Invalid, NotFound
from parlons.tickets.models import Tracker
from parlons.tickets.selectors import TicketFilters
from parlons.tickets.services import create_tracker, update_tracker
from parlons.web.forms import BulkForm, InboxFilterForm, TrackerForm
from parlons.web.views._common import friendly_errors
from parlons.web.views.lists import ticket_list_context


@login_required
@friendly_errors
def tracker_list(request):
    require(request.user, READ)
    form = TrackerForm()
    status = 200
    if request.method == "POST":
        form = TrackerForm(request.POST)
        if form.is_valid():
            try:
                tracker = create_tracker(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Tracker created."))
                return redirect(f"/trackers/{tracker.pk}/")
            except Invalid as exc:
                form.add_error("name", str(exc))
        status = 400
    trackers = Tracker.objects.filter(is_archived=False).annotate(count=Count("trackerticket"))
    return render(
        request,
        "web/pages/trackers.html",
        {"trackers": trackers, "form": form, "can_manage": has_perm(request.user, MANAGE)},
        status=status,
    )


@login_required
@friendly_errors
def tracker_detail(request, pk: int):
    require(request.user, READ)
    tracker = Tracker.objects.filter(pk=pk).first()
    if tracker is None:
        raise NotFound()
    form = InboxFilterForm(request.GET)
    context = ticket_list_context(request, form, extra=TicketFilters(tracker=tracker.pk))
    context.update(
        {
            "tracker": tracker,
            "rename_form": TrackerForm(initial={"name": tracker.name, "description": tracker.description}),
            "can_manage": has_perm(request.user, MANAGE),
            "bulk_form": BulkForm(),
            "list_url": request.path,
        }
    )
    if request.htmx:
        return render(request, "web/components/ticket_list.html", context)
    return render(request, "web/pages/tracker.html", context)


@require_POST
@login_required
@friendly_errors
def tracker_rename(request, pk: int):
    tracker = Tracker.objects.filter(pk=pk).first()
    if tracker is None:
        raise NotFound()
    form = TrackerForm(request.POST)
    if form.is_valid():
        try:
            update_tracker(tracker, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Tracker renamed."))
        except Invalid as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("A tracker needs a name."))
    return redirect(f"/trackers/{tracker.pk}/")
