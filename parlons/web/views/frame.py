"""The frame: health check and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from parlons.accounts.services import update_user
from parlons.core import health


@require_GET
@never_cache
def healthz(request):
    report = health.check()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_POST
@login_required
def switch_language(request):
    """The language switch of a signed-in user (UI-6): the choice is saved in their profile, which
    UserLanguageMiddleware applies on every page and device; Django's set_language then sets the cookie and
    returns to the page. Anonymous visitors post to set_language directly."""
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES) and language != request.user.language:
        update_user(request.user, actor=request.user, language=language)
    return set_language(request)
