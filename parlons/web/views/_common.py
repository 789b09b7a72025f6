"""Helpers shared by the workspace views: friendly error pages and service errors shown to people."""

from __future__ import annotations

import functools

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from parlons.core.errors import Forbidden, NotFound


def error_page(request, status: int, message: str = ""):
    """The 403 / 404 page in the same frame, in the user's language."""
    if status == 403:
        title = _("You do not have permission to do this")
        text = message or _("Your role does not allow this action. Ask a team lead or an administrator.")
    else:
        title = _("Page not found")
        text = message or _("This page does not exist, or you cannot see it.")
    return render(request, "web/pages/error.html", {"title": title, "text": text}, status=status)


def friendly_errors(view):
    """Turn Forbidden and NotFound raised by services and selectors into the friendly pages."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            return error_page(request, 403, str(exc))
        except NotFound:
            return error_page(request, 404)

    return wrapper


def safe_next(request, default: str) -> str:
    """The ``next`` address posted with a form, if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return target
    return default
