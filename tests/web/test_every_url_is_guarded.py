"""Every page and endpoint checks permission (ADM-4): walk the URL configuration, call each route as an
anonymous visitor and as a signed-in user without any role, and check nothing is served that should not be,
and nothing answers with a server error."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Pages anyone may open (sign-in, language switch, health, webhooks that check their own signature, API docs).
PUBLIC = {
    "accounts/login/",
    "healthz",
    "i18n/setlang/",
    "webhooks/meta",
    "webhooks/x",
    "api/docs",
    "api/openapi.json",
}
PUBLIC_PREFIXES = ("django-admin/", "static/", "accounts/password_reset", "accounts/reset/", "__")


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, text)
        elif isinstance(pattern, URLPattern):
            yield text


def _concrete(route: str) -> str:
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000001", route)
    route = re.sub(r"<(?:str:|slug:|path:)?[^>]+>", "x", route)
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
    return "/" + route.replace("\\", "")


ROUTES = sorted({_concrete(r) for r in _routes()})


def _public(path: str) -> bool:
    bare = path.lstrip("/")
    return bare in PUBLIC or bare.startswith(PUBLIC_PREFIXES) or "(" in bare or "[" in bare


def test_the_url_walk_finds_the_workspace_req_adm4():
    assert {"/", "/search/", "/admin/", "/admin/webhooks/", "/tickets/1/"} <= set(ROUTES)
    assert len(ROUTES) > 60


@pytest.mark.parametrize("path", [p for p in ROUTES if not _public(p)])
def test_anonymous_visitors_get_nothing_req_adm4(client, path):
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code in (301, 302, 400, 401, 403, 404, 405), (
            method,
            path,
            response.status_code,
        )
        if response.status_code in (301, 302):
            assert "/accounts/login/" in response["Location"], (method, path, response["Location"])


@pytest.mark.parametrize("path", [p for p in ROUTES if not _public(p)])
def test_a_user_without_any_role_gets_nothing_req_adm4(client, no_role_user, path):
    client.force_login(no_role_user)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code != 500, (method, path)
        if response.status_code == 200:
            # Pages about the person themself (their preferences, notifications, reminders, an empty inbox that
            # explains they cannot read tickets) are theirs to see; nothing else.
            body = response.content.decode(errors="replace")
            assert path in SELF_SERVICE, (method, path, body[:300])


SELF_SERVICE = {
    "/",
    "/preferences/",
    "/notifications/",
    "/notifications/preferences/",
    "/reminders/",
    "/accounts/mfa/",
    "/accounts/mfa/setup/",
    "/accounts/password/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
    "/accounts/logout/",
    "/api/v1/me",
    "/api/v1/notifications",
    "/api/v1/notifications/preferences",
    "/api/v1/reminders",
    "/api/v1/broadcasts/current",
    "/api/v1/broadcasts",  # the announcements every signed-in person sees in the banner
}
