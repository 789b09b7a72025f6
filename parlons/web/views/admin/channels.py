"""Channel groups (OPS-1, ADM-8): list, rename, team, language, active; credentials can be replaced but are
never shown. Connecting a new page or account is the connectors' set-up screens' job. Needs system.admin."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from parlons.accounts.permissions import ADMIN
from parlons.tickets import services
from parlons.tickets.models import ChannelGroup
from parlons.web.views.admin._base import admin_view, form_status, paginate, query_without_page, save_form
from parlons.web.views.admin.forms import ChannelGroupFilterForm, ChannelGroupForm


@admin_view(ADMIN)
def channel_group_list(request):
    filters = ChannelGroupFilterForm(request.GET)
    groups = (
        ChannelGroup.objects.select_related("channel", "team")
        .annotate(size=Count("tickets"))
        .order_by("channel__platform", "name", "pk")
    )
    if filters.is_valid() and filters.cleaned_data["platform"]:
        groups = groups.filter(channel__platform=filters.cleaned_data["platform"])
    context = {"filters": filters, "page": paginate(request, groups), "query": query_without_page(request)}
    return render(request, "web/pages/admin/channel_groups.html", context)


@admin_view(ADMIN)
def channel_group_edit(request, pk: int):
    group = get_object_or_404(ChannelGroup.objects.select_related("channel", "team"), pk=pk)
    initial = {
        "name": group.name,
        "team": group.team,
        "language": group.language,
        "is_active": group.is_active,
    }
    form = ChannelGroupForm(request.POST if request.method == "POST" else None, initial=initial)
    saved, _result = save_form(
        request,
        form,
        lambda data: services.update_channel_group(group, actor=request.user, **data),
        error_field="name",
    )
    if saved:
        return redirect("admin_channel_group", pk=group.pk)
    context = {"group": group, "form": form}
    return render(request, "web/pages/admin/channel_group.html", context, status=form_status(form))
