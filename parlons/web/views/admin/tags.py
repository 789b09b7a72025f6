"""Tags ("descripteurs", ADM-8), tag groups and subgroups (SRCH-7) and lines of business (OPS-16): filter and
page through hundreds of tags, create, rename in both languages, regroup, archive, and delete with the
confirmation the service asks for when a tag is in use. Needs tickets.manage."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import MANAGE
from parlons.core.errors import Conflict
from parlons.tickets import services
from parlons.tickets.models import LineOfBusiness, Tag, TagGroup
from parlons.web.views.admin._base import admin_view, form_status, paginate, query_without_page, save_form
from parlons.web.views.admin.forms import (
    LineOfBusinessEditForm,
    LineOfBusinessForm,
    TagFilterForm,
    TagForm,
    TagGroupEditForm,
    TagGroupForm,
)


def _filtered_tags(form: TagFilterForm):
    tags = Tag.objects.select_related("group__parent", "line_of_business").annotate(uses=Count("ticket_tags"))
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state") or ""
    if state == "archived":
        tags = tags.filter(is_archived=True)
    elif state != "all":
        tags = tags.filter(is_archived=False)
    if data.get("q"):
        q = data["q"]
        tags = tags.filter(Q(slug__icontains=q) | Q(name_en__icontains=q) | Q(name_fr__icontains=q))
    if data.get("group"):
        group = data["group"]
        tags = tags.filter(Q(group=group) | Q(group__parent=group))
    if data.get("line_of_business"):
        tags = tags.filter(line_of_business=data["line_of_business"])
    return tags.order_by("slug")


@admin_view(MANAGE)
def tag_list(request):
    filters = TagFilterForm(request.GET)
    form = TagForm(request.POST if request.method == "POST" else None)
    saved, _tag = save_form(
        request,
        form,
        lambda data: services.create_tag(actor=request.user, **data),
        success=lambda tag: _("Tag “%(slug)s” created.") % {"slug": tag.slug},
        error_field="slug",
    )
    if saved:
        return redirect("admin_tags")
    context = {
        "filters": filters,
        "form": form,
        "page": paginate(request, _filtered_tags(filters)),
        "query": query_without_page(request),
    }
    return render(request, "web/pages/admin/tags.html", context, status=form_status(form))


@admin_view(MANAGE)
def tag_edit(request, pk: int):
    tag = get_object_or_404(Tag.objects.select_related("group", "line_of_business"), pk=pk)
    initial = {
        "name_en": tag.name_en,
        "name_fr": tag.name_fr,
        "group": tag.group,
        "line_of_business": tag.line_of_business,
    }
    form = TagForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    saved, _result = save_form(
        request,
        form,
        lambda data: services.update_tag(tag, actor=request.user, **data),
        error_field="name_en",
    )
    if saved:
        return redirect("admin_tag", pk=tag.pk)
    context = {"tag": tag, "form": form, "uses": tag.ticket_tags.count()}
    return render(request, "web/pages/admin/tag.html", context, status=form_status(form))


@require_POST
@admin_view(MANAGE)
def tag_archive(request, pk: int):
    tag = get_object_or_404(Tag, pk=pk)
    archive = request.POST.get("archived") != "no"
    services.update_tag(tag, actor=request.user, is_archived=archive)
    messages.success(
        request,
        _("The tag is archived: it stays on tickets but is no longer offered.")
        if archive
        else _("The tag is back in use."),
    )
    return redirect("admin_tag", pk=tag.pk)


@require_POST
@admin_view(MANAGE)
def tag_delete(request, pk: int):
    """Delete; a tag on tickets first shows how many and asks to confirm (or to archive instead)."""
    tag = get_object_or_404(Tag, pk=pk)
    try:
        count = services.delete_tag(tag, actor=request.user, confirm=request.POST.get("confirm") == "yes")
    except Conflict as exc:
        return render(
            request,
            "web/pages/admin/tag_delete.html",
            {"tag": tag, "message": str(exc), "count": exc.details.get("tickets", 0)},
            status=409,
        )
    messages.success(
        request,
        _("Tag “%(slug)s” deleted; it was removed from %(count)s tickets.")
        % {"slug": tag.slug, "count": count}
        if count
        else _("Tag “%(slug)s” deleted.") % {"slug": tag.slug},
    )
    return redirect("admin_tags")


@admin_view(MANAGE)
def tag_groups(request):
    """Tag groups with their subgroups, and lines of business; create either."""
    action = request.POST.get("action") if request.method == "POST" else None
    group_form = TagGroupForm(request.POST if action == "group" else None, prefix="group")
    lob_form = LineOfBusinessForm(request.POST if action == "lob" else None, prefix="lob")
    if action == "group":
        saved, _group = save_form(
            request,
            group_form,
            lambda data: services.create_tag_group(actor=request.user, **data),
            success=lambda group: _("Tag group “%(name)s” created.") % {"name": group.name_en},
            error_field="name_en",
        )
        if saved:
            return redirect("admin_tag_groups")
    if action == "lob":
        saved, _lob = save_form(
            request,
            lob_form,
            lambda data: services.create_line_of_business(actor=request.user, **data),
            success=lambda lob: _("Line of business “%(name)s” created.") % {"name": lob.name_en},
            error_field="name_en",
        )
        if saved:
            return redirect("admin_tag_groups")
    groups = (
        TagGroup.objects.filter(parent__isnull=True)
        .select_related("line_of_business")
        .prefetch_related("subgroups")
        .annotate(size=Count("tags"))
    )
    context = {
        "groups": groups,
        "lobs": LineOfBusiness.objects.annotate(size=Count("tags")),
        "group_form": group_form,
        "lob_form": lob_form,
    }
    return render(
        request, "web/pages/admin/tag_groups.html", context, status=form_status(group_form, lob_form)
    )


@admin_view(MANAGE)
def tag_group_edit(request, pk: int):
    """Rename a tag group or subgroup (both languages) or change its line of business."""
    group = get_object_or_404(TagGroup.objects.select_related("parent", "line_of_business"), pk=pk)
    initial = {"name_en": group.name_en, "name_fr": group.name_fr, "line_of_business": group.line_of_business}
    form = TagGroupEditForm(request.POST if request.method == "POST" else None, initial=initial)
    return _named_edit(request, form, group, "group", services.update_tag_group)


@admin_view(MANAGE)
def line_of_business_edit(request, pk: int):
    """Rename or archive a line of business."""
    lob = get_object_or_404(LineOfBusiness, pk=pk)
    initial = {"name_en": lob.name_en, "name_fr": lob.name_fr, "is_archived": lob.is_archived}
    form = LineOfBusinessEditForm(request.POST if request.method == "POST" else None, initial=initial)
    return _named_edit(request, form, lob, "lob", services.update_line_of_business)


def _named_edit(request, form, obj, kind: str, update):
    """The rename page of a tag group or a line of business: ``update`` is the service that saves it."""
    saved, _result = save_form(
        request, form, lambda data: update(obj, actor=request.user, **data), error_field="name_en"
    )
    if saved:
        return redirect("admin_tag_groups")
    context = {"form": form, "object": obj, "kind": kind}
    return render(request, "web/pages/admin/named_edit.html", context, status=form_status(form))
