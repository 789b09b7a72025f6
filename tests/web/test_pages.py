"""The first web pages: sign-in, home (open tickets), lock-out, and the frame around them.

REQ UI-1 (web interface), UI-4 (full English and French character sets), UI-5 (accessibility),
UI-6 (each user works in their official language), ADM-1 (secure sign-in: lock-out, CSP).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from parlons.accounts.models import Role, RoleGrant, User
from parlons.tickets.models import Channel, ChannelGroup, Contact, Ticket

PASSWORD = "correct horse battery staple"
NBSP = "\u00a0"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username="agent", *, role="agent", language="en", **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, language=language, **extra)
    if role:
        RoleGrant.objects.create(role=Role.objects.get(slug=role), user=user)
    return user


def make_ticket(
    subject="Where is my passport?",
    *,
    status="open",
    platform="whatsapp",
    contact_name="Ada Tremblay",
    created_at=None,
    **extra,
):
    channel, _ = Channel.objects.get_or_create(platform=platform, name=platform.title())
    group, _ = ChannelGroup.objects.get_or_create(channel=channel, name=f"IRCC {platform}")
    contact = Contact.objects.create(name=contact_name)
    when = created_at or dt.datetime(2026, 11, 22, 19, 5, tzinfo=dt.UTC)
    return Ticket.objects.create(
        subject=subject,
        status=status,
        contact=contact,
        channel_group=group,
        created_at=when,
        updated_at=when,
        **extra,
    )


def sign_in(client, username="agent", password=PASSWORD, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


class _FocusOrder(HTMLParser):
    """Collects the elements that take keyboard focus with Tab, in document order."""

    def __init__(self):
        super().__init__()
        self.focusable: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("tabindex") is not None and attrs["tabindex"].strip().startswith("-"):
            return
        if tag == "input" and attrs.get("type") == "hidden":
            return
        if (
            (tag == "a" and "href" in attrs)
            or tag in {"button", "input", "select", "textarea", "summary"}
            or attrs.get("tabindex") is not None
        ):
            self.focusable.append((tag, attrs))


def first_focusable(html: str) -> tuple[str, dict]:
    parser = _FocusOrder()
    parser.feed(html)
    return parser.focusable[0]


# --- sign-in page -------------------------------------------------------------------------------
def test_sign_in_page_in_english_offers_french(client):
    """UI-1, UI-6: the sign-in page renders without a user; the switch shows the other language's own name."""
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert 'action="/i18n/setlang/"' in html
    assert '<input type="hidden" name="language" value="fr">' in html
    assert 'lang="fr">Français</button>' in html
    assert "Sign in to Parlons" in html
    assert 'autocomplete="current-password"' in html


def test_sign_in_page_in_french_from_accept_language(client):
    """UI-6: a French browser gets the French page, and the switch offers English."""
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'lang="en">English</button>' in html
    assert "Français</button>" not in html
    assert "Connexion à Parlons" in html
    assert "Mot de passe" in html  # the field label, from Django's own French catalogue


def test_sign_in_page_in_french_from_language_cookie(client):
    """UI-6: the language chosen with the switch (a cookie) wins over the browser's."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in html
    assert 'lang="en">English</button>' in html


def test_language_switch_before_sign_in(client):
    """UI-6: the switch works before sign-in and returns to the same page."""
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in client.get("/accounts/login/").content.decode()


def test_good_sign_in_goes_home_and_lists_open_tickets(client):
    """UI-1, ADM-1: a good password signs in, lands on / and shows the open tickets (not the closed ones)."""
    make_user()
    make_ticket("Where is my passport?")
    make_ticket("Thanks, all sorted", status="closed")
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    html = home.content.decode()
    assert home.status_code == 200
    assert "Where is my passport?" in html
    assert "Thanks, all sorted" not in html
    assert "<caption" in html
    assert "WhatsApp" in html and "Ada Tremblay" in html
    assert 'action="/accounts/logout/"' in html


def test_wrong_password_is_refused_with_an_announced_error_in_english(client):
    """ADM-1, UI-5: the error is announced (role=alert) and tied to the fields (aria-describedby)."""
    make_user()
    response = sign_in(client, password="not the password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in html
    assert "Sign-in failed" in html
    assert 'aria-describedby="sign-in-errors"' in html
    assert 'aria-invalid="true"' in html


def test_wrong_password_error_is_in_the_users_language(client):
    """UI-6, ADM-1: a French page explains the failure in French."""
    make_user(language="fr")
    response = sign_in(client, password="pas le bon", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "La connexion a échoué" in html
    assert "Sign-in failed" not in html


def test_anonymous_home_redirects_to_sign_in(client):
    """ADM-1: every page but sign-in needs a signed-in user."""
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_sign_out(client):
    """ADM-1: signing out (POST) ends the session and returns to the sign-in page."""
    user = make_user()
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


# --- the user's language and locale -------------------------------------------------------------
def test_users_own_language_applies_after_sign_in(client):
    """UI-6: a user whose profile says French works in French whatever the browser says."""
    make_user(language="fr")
    make_ticket()
    assert sign_in(client, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in html
    assert "Boîte de réception" in html
    assert 'lang="en">English</button>' in html
    assert "Ouvert" in html  # the status, translated


def test_signed_in_language_switch_saves_the_users_choice(client):
    """UI-6: a signed-in user's switch changes their profile language, so every page (and device) follows."""
    user = make_user(language="fr")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'action="/accounts/language/"' in html and 'lang="en">English</button>' in html
    response = client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert 'lang="fr">Français</button>' in html


def test_language_switch_refuses_an_unknown_language(client):
    """UI-6: only the two official languages can be chosen."""
    user = make_user(language="fr")
    client.force_login(user)
    client.post("/accounts/language/", {"language": "de", "next": "/"})
    user.refresh_from_db()
    assert user.language == "fr"


def test_dates_in_the_users_locale_and_time_zone(client):
    """UI-6: created times in the user's time zone (default America/Toronto), fr-CA and en-CA wording."""
    make_ticket(created_at=dt.datetime(2026, 11, 22, 19, 5, tzinfo=dt.UTC))
    english = make_user("anglo", language="en")
    client.force_login(english)
    html = client.get("/").content.decode()
    # The inbox shows the time open (OPS-8); the exact local time is the tooltip of the <time> element.
    assert f'datetime="2026-11-22T14:05:00-05:00" title="Nov 22, 2026, 2:05{NBSP}p.m."' in html

    french = make_user("franco", language="fr", time_zone="America/Vancouver")
    client.force_login(french)
    html = client.get("/").content.decode()
    assert f'datetime="2026-11-22T11:05:00-08:00" title="22 nov. 2026, 11{NBSP}h{NBSP}05"' in html


# --- home page states ---------------------------------------------------------------------------
def test_home_query_count_does_not_grow_with_tickets(client):
    """UI-1: the open-ticket table costs the same number of queries for 2 tickets as for 12."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    client.force_login(user)
    for number in range(2):
        make_ticket(f"Question {number}", contact_name=f"Person {number}")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for number in range(2, 12):
        make_ticket(
            f"Question {number}", contact_name=f"Person {number}", platform=["x", "email"][number % 2]
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get("/").content.decode()
    assert "Question 11" in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_home_empty_state(client):
    """UI-1: with no open ticket the page says so instead of showing an empty table."""
    client.force_login(make_user())
    make_ticket(status="resolved")
    html = client.get("/").content.decode()
    assert "No open tickets" in html
    assert "<table" not in html


def test_home_without_read_permission(client):
    """UI-1, ADM-1: a user without the read right gets a clear message, not tickets."""
    client.force_login(make_user("nobody", role=None))
    make_ticket("Confidential question")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "permission to read tickets" in html
    assert "Confidential question" not in html


# --- safety and accessibility of the frame -----------------------------------------------------
def test_user_content_is_escaped(client):
    """ADM-1: a subject written by the public is shown as text, never run as script."""
    client.force_login(make_user())
    make_ticket('<script>alert("x")</script>', contact_name="<b>Mallory</b>")
    html = client.get("/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html


def test_full_french_character_set(client):
    """UI-4: accents, ligatures and typographic quotes come through intact, in UTF-8."""
    client.force_login(make_user())
    subject = "Où en est ma demande de résidence permanente? « Œuvre », déjà reçue – merci!"
    make_ticket(subject, contact_name="Éloïse Bélanger-Côté", language="fr")
    response = client.get("/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert "Éloïse Bélanger-Côté" in html
    assert (
        '<td class="col-conversation" lang="fr"><a href="/tickets/' in html
    )  # French marked for screen readers
    assert f'class="ticket-link">{subject}</a>' in html


@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_skip_link_is_the_first_tab_stop(client, path):
    """UI-5: the first focusable element is "Skip to main content", pointing at <main id="main">."""
    client.force_login(make_user())
    if path == "/accounts/login/":
        client.logout()
    html = client.get(path).content.decode()
    tag, attrs = first_focusable(html)
    assert (tag, attrs.get("href")) == ("a", "#main")
    assert 'class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html


def test_skip_link_in_french(client):
    """UI-5, UI-6."""
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'href="#main">Passer au contenu principal</a>' in html


@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_pages_carry_a_content_security_policy(client, path):
    """ADM-1: no inline script or style is allowed on the pages."""
    client.force_login(make_user())
    response = client.get(path, follow=True)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_style_sheet_has_the_tokens_and_a_visible_focus_ring():
    """UI-5: one style sheet with the tokens; 3 px focus ring with 2 px offset; 16 px base."""
    from django.contrib.staticfiles import finders

    path = finders.find("parlons/css/parlons.css")
    assert path
    css = Path(path).read_text(encoding="utf-8")
    assert "--focus-ring: 3px solid var(--focus);" in css
    assert "--focus: #0535d2;" in css
    assert "--focus-offset: 2px;" in css
    assert "--font-size: 1rem;" in css


# --- lock-out ----------------------------------------------------------------------------------
def test_repeated_failures_lock_the_account(client, settings):
    """ADM-1: after the limit of failed sign-ins the account is locked and the page explains it, even to
    the right password, in the user's language."""
    make_user(language="fr")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in(client, password="wrong", HTTP_ACCEPT_LANGUAGE="fr").status_code == 200
    locked = sign_in(client, password="wrong", HTTP_ACCEPT_LANGUAGE="fr")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert '<html lang="fr">' in html
    assert "Compte temporairement verrouillé" in html
    assert "administrat" in html
    again = sign_in(client, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429
    assert "Account temporarily locked" in again.content.decode()
    assert "_auth_user_id" not in client.session
