"""Canned responses (BEY-4): the administration list and form, and what the composer asks for (the list
filtered as the agent types, and one response rendered for a ticket)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parlons.accounts.permissions import MANAGE
from parlons.tickets import services
from parlons.tickets.models import CannedResponse
from parlons.tickets.selectors import get_visible_ticket
from parlons.web.views._common import friendly_errors
from parlons.web.views.admin._base import admin_view, form_status, paginate, query_without_page, save_form
from parlons.web.views.admin.forms import CannedForm

COMPOSER_LIMIT = 20


@admin_view(MANAGE)
def canned_list(request):
    show = request.GET.get("show", "")
    responses = services.canned_responses_for(
        request.user, query=request.GET.get("q", "")[:120], include_archived=show in ("archived", "all")
    )
    if show == "archived":
        responses = responses.filter(is_archived=True)
    context = {
        "page": paginate(request, responses),
        "query": query_without_page(request),
        "q": request.GET.get("q", "")[:120],
        "show": show,
    }
    return render(request, "web/pages/admin/canned_list.html", context)


@admin_view(MANAGE)
def canned_create(request):
    form = CannedForm(request.POST if request.method == "POST" else None)
    saved, _response = save_form(
        request,
        form,
        lambda data: services.create_canned_response(actor=request.user, **data),
        success=lambda response: _("Canned response “%(name)s” created.") % {"name": response.name},
        error_field="name",
    )
    if saved:
        return redirect("admin_canned")
    context = {"form": form, "response": None}
    return render(request, "web/pages/admin/canned_form.html", context, status=form_status(form))


@admin_view(MANAGE)
def canned_edit(request, pk: int):
    response = get_object_or_404(CannedResponse, pk=pk)
    initial = {
        "name": response.name,
        "shortcut": response.shortcut,
        "body_en": response.body_en,
        "body_fr": response.body_fr,
        "team": response.team,
    }
    form = CannedForm(request.POST if request.method == "POST" else None, initial=initial)
    saved, _result = save_form(
        request,
        form,
        lambda data: services.update_canned_response(response, actor=request.user, **data),
        error_field="name",
    )
    if saved:
        return redirect("admin_canned")
    context = {"form": form, "response": response, "placeholders": services.catalogue.PLACEHOLDERS}
    return render(request, "web/pages/admin/canned_form.html", context, status=form_status(form))


@require_POST
@admin_view(MANAGE)
def canned_archive(request, pk: int):
    response = get_object_or_404(CannedResponse, pk=pk)
    archive = request.POST.get("archived") != "no"
    services.archive_canned_response(response, actor=request.user, archived=archive)
    messages.success(
        request, _("Canned response archived.") if archive else _("Canned response back in use.")
    )
    return redirect("admin_canned")


@require_POST
@admin_view(MANAGE)
def canned_delete(request, pk: int):
    response = get_object_or_404(CannedResponse, pk=pk)
    services.delete_canned_response(response, actor=request.user)
    messages.success(request, _("Canned response deleted."))
    return redirect("admin_canned")


# --- for the composer -----------------------------------------------------------------------------
@require_GET
@login_required
@friendly_errors
def composer_canned(request, pk: int):
    """The canned responses an agent may insert into ticket ``pk``'s reply, filtered by ``q`` (name or
    shortcut), each already rendered in the ticket's language or in ``?language=``, placeholders filled.

    JSON: ``{"language": "fr", "results": [{"id", "name", "shortcut", "text", "lang"}]}``. Responses whose text
    exists in the wanted language come first."""
    ticket = get_visible_ticket(request.user, pk)
    language = request.GET.get("language") or ticket.language or request.user.language or "en"
    if language not in ("en", "fr"):
        language = "en"
    responses = services.canned_responses_for(request.user, query=request.GET.get("q", "")[:120])
    results = []
    for response in responses[:200]:
        has_own = bool(response.body_fr if language == "fr" else response.body_en)
        text = services.render_canned(response, ticket, language, agent=request.user)
        lang = language if has_own else ("en" if language == "fr" else "fr")
        results.append(
            {
                "id": response.pk,
                "name": response.name,
                "shortcut": response.shortcut,
                "text": text,
                "lang": lang,
            }
        )
    results.sort(key=lambda r: r["lang"] != language)
    return JsonResponse({"language": language, "results": results[:COMPOSER_LIMIT]})
