"""The demo data set (``parlons demo``, issue 2 item 9): base data, bilingual tickets, history shapes,
determinism and loading twice.

One load of 60 tickets is shared by the module (inside a transaction rolled back at the end)."""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from parlons.accounts.models import Role, RoleGrant, Team, User
from parlons.accounts.permissions import DEFAULT_ROLES
from parlons.demo import DEMO_USERNAMES, DemoGenerator, corpus, load_demo, texts_digest
from parlons.tickets.history import describe
from parlons.tickets.models import (
    ChannelGroup,
    ContactIdentity,
    GroupSet,
    LineOfBusiness,
    Message,
    Note,
    Tag,
    TagGroup,
    Ticket,
    TicketEvent,
    TicketTag,
    Tracker,
    TrackerTicket,
)

PASSWORD = "Formation-démo 2026"  # an operator-chosen training password
TICKETS = 60
SEED = 42


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for ``TestLoadedDemo``; everything is rolled back afterwards."""
    # The same fast hasher as tests/conftest.py sets for each test, so the passwords verify inside tests.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        now = timezone.now()
        result = load_demo(tickets=TICKETS, seed=SEED, password=PASSWORD, now=now)
        yield result, now
        transaction.set_rollback(True)


def _tickets():
    return list(Ticket.objects.select_related("channel_group__channel").order_by("id"))


@pytest.mark.django_db
class TestLoadedDemo:
    """Tests sharing one load of 60 tickets (the class-scoped ``demo`` fixture)."""

    # --- base data --------------------------------------------------------------------------------
    def test_demo_users_have_one_role_each_and_the_password(self, demo):
        # REQ ADM-1, ADM-5: one demo user per default role, all signing in with the demo password.
        result, _now = demo
        assert result.usernames[:5] == ["reader", "agent", "lead", "analyst", "admin"]
        assert len(result.usernames) == 30 and result.tickets == TICKETS
        assert set(result.new_users) == set(result.usernames)
        request = RequestFactory().post("/accounts/login/")
        for username in DEMO_USERNAMES:
            user = User.objects.get(username=username)
            assert set(RoleGrant.objects.filter(user=user).values_list("role__slug", flat=True)) == {username}
            assert set(Role.objects.get(slug=username).permissions) == set(DEFAULT_ROLES[username][2])
            assert authenticate(request, username=username, password=PASSWORD) == user
        assert authenticate(request, username="agent", password="not the password") is None

    def test_all_accounts_share_one_password_hash_and_sign_in(self, demo):
        # The demo password is hashed once for the 30 accounts (one Argon2 hash instead of thirty per load).
        result, _now = demo
        users = list(User.objects.filter(username__in=result.usernames))
        assert len(users) == 30
        assert len({u.password for u in users}) == 1
        request = RequestFactory().post("/accounts/login/")
        assert all(authenticate(request, username=u.username, password=PASSWORD) == u for u in users)

    def test_agents_spread_over_four_teams_with_leads(self, demo):
        # REQ ADM-6, ADM-7, UI-4: 25 agents with English and French names (accents) in 4 teams.
        agents = User.objects.filter(role_grants__role__slug="agent").distinct()
        assert agents.count() >= 25
        teams = Team.objects.filter(name__in=[name for name, _d in corpus.TEAMS.values()])
        assert teams.count() == 4
        for team in teams:
            assert team.lead is not None and team.members.count() >= 6
        names = " ".join(u.get_full_name() for u in agents)
        assert re.search(r"[éèêëàâçîïôöûüÉ]", names)
        assert {u.language for u in agents} == {"en", "fr"}
        assert all(u.email.endswith("@example.gc.ca") for u in agents)
        lead = User.objects.get(username="lead")
        assert lead.led_teams.exists()

    def test_tag_catalogue_is_bilingual_and_grouped(self, demo):
        # REQ ADM-8, OPS-16, SRCH-7: 60+ tags with both names, in groups and subgroups of lines of business.
        tags = list(Tag.objects.select_related("group", "line_of_business"))
        assert len(tags) >= 60
        assert all(t.name_en and t.name_fr and t.group and t.line_of_business for t in tags)
        by_slug = {t.slug: t for t in tags}
        assert by_slug["study-permit"].name_fr == "Permis d'études"
        assert by_slug["processing-time"].name_fr == "Délai de traitement"
        assert by_slug["citizenship-application"].name_fr == "Demande de citoyenneté"
        assert by_slug["passport"].name_fr == "Passeport"
        assert LineOfBusiness.objects.count() >= 3
        assert TagGroup.objects.filter(parent__isnull=False).count() >= 6
        assert Tracker.objects.count() >= 3

    def test_channel_groups_across_platforms(self, demo):
        # REQ OPS-1: several groups (pages, accounts, number, mailboxes) inside channels, tickets on 5+ platforms.
        names = set(ChannelGroup.objects.values_list("name", flat=True))
        assert {"IRCC (EN)", "IRCC (FR)", "@CitImmCanada", "@CitImmCanFR"} <= names
        assert ChannelGroup.objects.filter(channel__platform="whatsapp").exists()
        assert ChannelGroup.objects.filter(channel__platform="email").exists()
        platforms = Counter(t.channel_group.channel.platform for t in _tickets())
        assert len(platforms) >= 5
        kinds = set(Ticket.objects.values_list("kind", flat=True))
        assert {"comment", "message", "email"} <= kinds

    def test_groups_spread_across_channels(self, demo):
        # REQ OPS-1: groups spread across channels (GroupSet), created through the service with both names.
        sets = {s.name_en: s for s in GroupSet.objects.prefetch_related("groups__channel")}
        assert set(sets) >= {"IRCC English", "IRCC French", "Immigration help lines"}
        english, french = sets["IRCC English"], sets["IRCC French"]
        assert (english.name_fr, french.name_fr) == ("IRCC anglais", "IRCC français")
        assert {(g.channel.platform, g.name) for g in english.groups.all()} == {
            ("facebook", "IRCC (EN)"),
            ("messenger", "IRCC (EN) – Messenger"),
            ("x", "@CitImmCanada"),
        }
        assert {g.language for g in english.groups.all()} == {"en"}
        assert {g.language for g in french.groups.all()} == {"fr"}
        for name_en in corpus.GROUP_SETS:
            assert len({g.channel.platform for g in sets[name_en].groups.all()}) >= 3, name_en

    # --- tickets ------------------------------------------------------------------------------------
    def test_about_half_french_with_accents_within_200_days(self, demo):
        # REQ UI-4, UI-6: about half the traffic in French, with accents and elisions; dates over 200 days.
        _result, now = demo
        tickets = _tickets()
        assert len(tickets) == TICKETS
        french = [t for t in tickets if t.language == "fr"]
        assert 0.3 <= len(french) / len(tickets) <= 0.7
        french_text = " ".join(Message.objects.filter(ticket__language="fr").values_list("body", flat=True))
        assert re.search(r"[éèêàçô]", french_text)
        assert re.search(r"\b[ldjqu]'[a-zéèêàâôîû]", french_text, re.IGNORECASE)  # elisions: l'…, d'…, j'…
        oldest = now - timedelta(days=200)
        assert all(oldest <= t.created_at <= now for t in tickets)
        span = tickets[-1].created_at - tickets[0].created_at
        assert span > timedelta(days=150)

    def test_every_ticket_has_messages_and_a_created_event(self, demo):
        # REQ OPS-9, OPS-19: every interaction is stored with its history.
        for ticket in _tickets():
            messages = list(ticket.messages.order_by("created_at", "id"))
            assert 1 <= len(messages) <= 6
            assert messages[0].direction == "in" and messages[0].author_contact_id == ticket.contact_id
            assert messages[0].created_at == ticket.created_at
            created = ticket.events.get(kind="ticket.created")
            assert created.data == {"channel_group": ticket.channel_group_id, "kind": ticket.kind}
            assert (
                created.actor is None and created.via == "ingest" and created.created_at == ticket.created_at
            )
            assert ticket.team_id == ticket.channel_group.team_id

    def test_statuses_and_timestamps_are_consistent(self, demo):
        # REQ OPS-1, OPS-8: status, first response, resolution and closing agree with messages and history.
        statuses = Counter()
        for ticket in _tickets():
            statuses[ticket.status] += 1
            outgoing = list(ticket.messages.filter(direction="out").order_by("created_at"))
            if ticket.status in ("resolved", "closed"):
                assert ticket.resolved_at is not None
            if ticket.status == "closed":
                assert ticket.closed_at is not None and ticket.closed_at >= ticket.resolved_at
                assert ticket.closed_by_id is not None
            else:
                assert ticket.closed_at is None and ticket.closed_by_id is None
            if ticket.status in ("new", "open", "pending"):
                assert ticket.resolved_at is None
            if ticket.status == "new":
                assert not outgoing
            if outgoing:
                assert ticket.first_response_at == outgoing[0].created_at
                assert all(m.author_user_id and m.parent_id for m in outgoing)
            else:
                assert ticket.first_response_at is None
            events = list(ticket.events.order_by("created_at", "id"))
            assert ticket.updated_at == max(e.created_at for e in events)
            # One version per service call; the rows one call writes share its time.
            assert ticket.version == 1 + len({e.created_at for e in events if e.kind != "ticket.created"})
        old = [t for t in _tickets() if t.created_at < timezone.now() - timedelta(days=30)]
        assert sum(t.status in ("resolved", "closed") for t in old) / len(old) > 0.8

    def test_history_rows_have_the_services_shapes(self, demo):
        # REQ OPS-19: the bulk loader writes the same history shapes as the services (ADR 0004).
        shapes = {
            "ticket.created": {"channel_group", "kind"},
            "message.received": {"message"},
            "reply.sent": {"message", "attachments"},
            "note.added": {"note"},
            "ticket.status_changed": {"from", "to"},
            "ticket.priority_changed": {"from", "to"},
            "ticket.spam_changed": {"from", "to"},
            "ticket.assigned": {"from", "to"},
            "tags.added": {"tags"},
            "tracker.added": {"tracker"},
        }
        kinds = Counter()
        for ticket in _tickets():
            status = "new"
            tags: set[int] = set()
            assignee = None
            for event in ticket.events.order_by("created_at", "id"):
                kinds[event.kind] += 1
                assert set(event.data) == shapes[event.kind], event.kind
                assert describe(event, "fr") != event.kind
                assert event.via == ("ingest" if event.actor_id is None else "web")
                d = event.data
                if event.kind == "reply.sent":
                    message = Message.objects.get(pk=d["message"])
                    assert message.ticket_id == ticket.pk and message.direction == "out"
                    assert message.author_user_id == event.actor_id and message.created_at == event.created_at
                elif event.kind == "message.received":
                    message = Message.objects.get(pk=d["message"])
                    assert message.ticket_id == ticket.pk and message.direction == "in"
                elif event.kind == "note.added":
                    assert Note.objects.get(pk=d["note"]).ticket_id == ticket.pk
                elif event.kind == "ticket.status_changed":
                    assert d["from"] == status
                    status = d["to"]
                elif event.kind == "ticket.assigned":
                    before = None if assignee is None else {"id": assignee.pk, "name": assignee.display_name}
                    assert d["from"] == before
                    assignee = User.objects.get(pk=d["to"]["id"])
                    assert d["to"]["name"] == assignee.display_name
                elif event.kind == "tags.added":
                    for ref in d["tags"]:
                        tag = Tag.objects.get(pk=ref["id"])
                        assert ref == {"id": tag.pk, "slug": tag.slug, "en": tag.name_en, "fr": tag.name_fr}
                        tags.add(tag.pk)
                elif event.kind == "tracker.added":
                    assert TrackerTicket.objects.filter(ticket=ticket, tracker_id=d["tracker"]["id"]).exists()
            assert status == ticket.status
            assert getattr(assignee, "pk", None) == ticket.assignee_id
            assert tags == set(TicketTag.objects.filter(ticket=ticket).values_list("tag_id", flat=True))
            assert len(tags) <= 5
        assert {
            "ticket.created",
            "reply.sent",
            "tags.added",
            "ticket.assigned",
            "ticket.status_changed",
        } <= set(kinds)
        assert kinds["note.added"] > 0

    def test_links_rows_keep_the_story_times(self, demo):
        # REQ OPS-3, OPS-18, OPS-9: tag links, tracker links, contacts and identities carry the story's times.
        for link in TicketTag.objects.select_related("ticket"):
            assert link.ticket.created_at <= link.added_at <= timezone.now()
            assert TicketEvent.objects.filter(
                ticket=link.ticket, kind="tags.added", created_at=link.added_at
            ).exists()
        for identity in ContactIdentity.objects.select_related("contact"):
            first = identity.contact.tickets.order_by("created_at").first()
            assert (
                first is not None and identity.created_at == first.created_at == identity.contact.created_at
            )

    def test_contacts_have_platform_identities_and_public_profiles(self, demo):
        # REQ OPS-1: social-media username (handle) and public profile information of the client.
        for ticket in _tickets():
            platform = ticket.channel_group.channel.platform
            identity = ContactIdentity.objects.get(contact=ticket.contact, platform=platform)
            assert identity.handle and identity.external_id and identity.profile
            if platform == "x":
                assert identity.handle.startswith("@") and identity.profile_url.startswith("https://x.com/")
            if platform == "email":
                assert ticket.contact.email == identity.external_id

    def test_public_messages_link_to_their_source_and_e_mails_have_subjects(self, demo):
        # REQ OPS-17: public comments and posts link straight to their source; e-mails have a subject.
        for ticket in _tickets():
            for message in ticket.messages.all():
                if ticket.kind == "comment":
                    assert message.permalink.startswith("https://www.facebook.com/")
                elif ticket.kind == "mention" and message.delivery_status != "failed":
                    assert message.permalink.startswith("https://x.com/")
                    assert message.permalink.endswith(message.external_id)
                else:
                    assert message.permalink == ""
                if ticket.kind == "email":
                    assert message.metadata["subject"].endswith(ticket.subject)
            if ticket.kind == "email" and not ticket.is_spam:
                assert ticket.subject and "\n" not in ticket.subject
        assert (
            Message.objects.exclude(external_id="").count()
            == Message.objects.exclude(delivery_status="failed").count()
        )

    def test_demo_tickets_work_with_the_services(self, demo):
        # The bulk rows are ordinary rows: the services act on them as on any ticket.
        from parlons.tickets.services import add_note, add_tags, reply

        agent, lead = User.objects.get(username="agent"), User.objects.get(username="lead")
        ticket = Ticket.objects.exclude(status="closed").filter(is_spam=False).order_by("-id").first()
        assert ticket is not None
        version = ticket.version
        with transaction.atomic():
            message = reply(ticket, "Bonjour, c'est réglé. Bonne journée!", actor=agent)
            add_note(ticket, "Vérifié avec l'équipe des passeports.", actor=agent)
            add_tags(ticket, [Tag.objects.get(slug="study-permit")], actor=lead)
            ticket.refresh_from_db()
            assert message.direction == "out" and message.parent_id is not None
            assert ticket.version == version + 3
            assert ticket.events.filter(kind="reply.sent", data__message=message.pk).exists()
            transaction.set_rollback(True)

    def test_loading_twice_reuses_base_data_and_adds_tickets(self, demo):
        # REQ OPS-9: a second load must not crash; it reuses the users and adds tickets with fresh platform ids.
        counted = (User, Tag, ChannelGroup, GroupSet)
        before = [model.objects.count() for model in counted]
        with transaction.atomic():
            again = load_demo(tickets=7, seed=SEED, password="another password, ignored")
            assert again.new_users == [] and again.tickets == 7
            assert Ticket.objects.count() == TICKETS + 7
            assert [model.objects.count() for model in counted] == before
            assert authenticate(RequestFactory().post("/"), username="admin", password=PASSWORD) is not None
            transaction.set_rollback(True)

    def test_same_seed_same_data(self, demo):
        # The same seed gives the same texts and choices; another seed gives others.
        _result, now = demo
        assert texts_digest(seed=SEED, count=40, now=now) == texts_digest(seed=SEED, count=40, now=now)
        assert texts_digest(seed=SEED, count=40, now=now) != texts_digest(seed=SEED + 1, count=40, now=now)
        gen = DemoGenerator(seed=SEED, total=TICKETS, now=now)
        planned = [gen.plan(i) for i in range(TICKETS)]
        assert [p.subject for p in planned] == list(
            Ticket.objects.order_by("id").values_list("subject", flat=True)
        )
        assert [p.status for p in planned] == list(
            Ticket.objects.order_by("id").values_list("status", flat=True)
        )


# --- determinism and the texts ---------------------------------------------------------------------
def test_a_bigger_plan_has_spam_trackers_notes_and_every_platform():
    # REQ OPS-15, OPS-18, OPS-4, OPS-5: the generator's mix on a larger sample (no database).
    now = timezone.now()
    gen = DemoGenerator(seed=7, total=1500, now=now)
    plans = [gen.plan(i) for i in range(1500)]
    assert 0.02 < sum(p.is_spam for p in plans) / len(plans) < 0.08
    assert sum(bool(p.trackers) for p in plans) > 10
    assert sum(bool(p.notes) for p in plans) > 100
    assert {p.group.platform for p in plans} == {"facebook", "messenger", "whatsapp", "x", "email", "api"}
    assert {p.kind for p in plans} >= {"comment", "message", "mention", "dm", "email", "chat"}
    assert Counter(p.priority for p in plans).keys() == {"low", "normal", "high", "urgent"}
    assert all(1 <= len(p.messages) <= 6 and len(p.tags) <= 5 for p in plans)
    spam = [p for p in plans if p.is_spam]
    assert all(p.status == "closed" or p.created_at > now - timedelta(days=1) for p in spam)
    ids = [m.external_id for p in plans for m in p.messages if m.external_id]
    assert len(ids) == len(set(ids))
    recent = [p for p in plans if p.created_at > now - timedelta(hours=12)]
    assert {p.status for p in recent} & {"new", "open", "pending"}


def test_templates_use_known_placeholders_and_canadian_french():
    # REQ UI-4: templates format cleanly; French follows Canadian usage (no space before ? and !).
    values = dict.fromkeys(corpus.PLACEHOLDERS, "x")
    texts: list[tuple[str, str]] = []
    for topic in corpus.TOPICS:
        for case in topic.cases:
            assert set(case.tags) <= set(corpus.TAGS), case.tags
            assert not case.tracker or case.tracker in corpus.TRACKERS
            texts += [("en", t) for t in case.en] + [("fr", t) for t in case.fr]
    for table in (
        corpus.GREETINGS,
        corpus.SIGN_OFFS,
        corpus.AGENT_GREETINGS,
        corpus.AGENT_CLOSINGS,
        corpus.CLIENT_FOLLOW_UPS,
        corpus.CLIENT_THANKS,
        corpus.AGENT_ASKS_PUBLIC,
        corpus.AGENT_FOLLOW_UPS,
        corpus.NOTES,
        corpus.NOTES_PUBLIC,
        corpus.NOTES_SENSITIVE,
        corpus.SPAM,
        corpus.X_BIOS,
        *corpus.AGENT_ASKS.values(),
        *corpus.CLIENT_DETAILS.values(),
    ):
        texts += [(lang, t) for lang, items in table.items() for t in items]
    formatter = string.Formatter()
    for lang, text in texts:
        used = {name for _lit, name, _spec, _conv in formatter.parse(text) if name}
        assert used <= set(corpus.PLACEHOLDERS), (text, used)
        assert "{" not in text.format_map(values)
        if lang == "fr":
            assert not re.search(r"\s[?!]", text), text
            assert "e-mail" not in text.lower() and "email" not in text.lower(), text  # « courriel »
    assert len(corpus.AGENTS) == 25 and {a[4] for a in corpus.AGENTS} == set(corpus.TEAMS)
    assert len({a[0] for a in (*corpus.AGENTS, *corpus.DEMO_USERS)}) == 30
    by_lang = defaultdict(int)
    for _u, _f, _l, lang, _t, _lead in corpus.AGENTS:
        by_lang[lang] += 1
    assert by_lang["fr"] >= 10 and by_lang["en"] >= 10


def test_background_writer_keeps_order_and_reports_the_first_failure():
    # Big PostgreSQL loads write on a second connection while generating; nothing is lost or reordered,
    # and a failing batch stops the load with its error instead of hanging.
    from parlons.demo.loader import Progress, write_in_background

    written: list[int] = []

    def make_writer():
        def write(plans):
            if plans == [-1]:
                raise RuntimeError("disk full")
            written.extend(plans)

        return write

    progress = Progress(None, 12, 3, 0.0)
    write_in_background(([i, i + 1, i + 2] for i in range(0, 12, 3)), make_writer, progress)
    assert written == list(range(12)) and progress.done == 12

    written.clear()
    produced: list[int] = []

    def batches():
        for n in range(50):
            produced.append(n)
            yield [-1] if n == 2 else [n]

    with pytest.raises(RuntimeError, match="disk full"):
        write_in_background(batches(), make_writer, Progress(None, 50, 1, 0.0))
    assert written == [0, 1] and len(produced) < 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_big_postgresql_load_written_in_background_matches_the_plan():
    # REQ OPS-9: outside a transaction on PostgreSQL, batches go through COPY on a second connection; the
    # result is exactly what the generator planned.
    now = timezone.now()
    result = load_demo(tickets=90, seed=5, password=PASSWORD, now=now, batch_size=20)
    assert result.tickets == 90
    gen = DemoGenerator(seed=5, total=90, now=now)
    planned = [gen.plan(i) for i in range(90)]
    tickets = list(Ticket.objects.order_by("id"))
    assert [t.subject for t in tickets] == [p.subject for p in planned]
    assert [t.version for t in tickets] == [p.version for p in planned]
    assert Message.objects.count() == sum(len(p.messages) for p in planned)
    assert TicketEvent.objects.count() == sum(len(p.events) for p in planned)
    assert TicketTag.objects.count() == sum(len(p.tags) for p in planned)
    replies = TicketEvent.objects.filter(kind="reply.sent")
    assert all(Message.objects.get(pk=e.data["message"]).ticket_id == e.ticket_id for e in replies)
