"""The agent workspace: inbox, ticket page and its actions, bulk update, trackers (issue #3).

Every action goes through the services; refusals give the friendly 403 page and change nothing; bad input gives
form errors, never a 500; user content is escaped."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Attachment, Message, Note, Ticket, TicketEvent, Tracker
from parlons.tickets.services import add_tags, reply
from tests import factories

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def agent(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def lead(client, lead_user):
    client.force_login(lead_user)
    return client


@pytest.fixture
def reader(client, reader_user):
    client.force_login(reader_user)
    return client


def open_ticket(channel_group, **kwargs):
    return factories.ingest(channel_group, **kwargs).ticket


# --- inbox ------------------------------------------------------------------------------------------
def test_inbox_row_shows_channel_handle_last_line_tags_and_time_open_req_ui2_ops8(agent, channel_group):
    ticket = open_ticket(channel_group, handle="ada.t", name="Ada Tremblay", body="First line\nsecond line")
    tags = [factories.TagFactory(name_en=f"Topic {n}") for n in range(5)]
    add_tags(ticket, tags, actor=factories.SYSTEM)
    html = html_of(agent.get("/"))
    assert "@ada.t" in html and "Ada Tremblay" in html
    assert "First line" in html and "second line" not in html
    assert "Topic 0" in html and "Topic 2" in html and "Topic 3" not in html
    assert "+2 more" in html
    assert 'class="elapsed"' in html
    assert "API" in html  # the channel in text, not only an icon


def test_inbox_sla_state_is_text_not_only_colour_req_ui5_ops8(agent, channel_group):
    ticket = open_ticket(channel_group)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    assert "Overdue" in html_of(agent.get("/"))


def test_inbox_filters_by_status_priority_and_handle_req_ops14_ops23(agent, channel_group):
    first = open_ticket(channel_group, sender="a", handle="alice", body="Alice asks")
    open_ticket(channel_group, sender="b", handle="bob", body="Bob asks")
    html = html_of(agent.get("/", {"handle": "@alice"}))
    assert "Alice asks" in html and "Bob asks" not in html
    Ticket.objects.filter(pk=first.pk).update(priority="urgent")
    html = html_of(agent.get("/", {"priority": "urgent"}))
    assert "Alice asks" in html and "Bob asks" not in html
    html = html_of(agent.get("/", {"status": "closed"}))
    assert "No ticket matches these filters" in html


def test_inbox_filters_by_tags_include_and_exclude_req_ops14_ops3(agent, channel_group):
    tagged = open_ticket(channel_group, sender="a", body="Tagged one")
    open_ticket(channel_group, sender="b", body="Plain one")
    tag = factories.TagFactory(slug="passport")
    add_tags(tagged, [tag], actor=factories.SYSTEM)
    assert "Plain one" not in html_of(agent.get("/", {"tags": "passport"}))
    html = html_of(agent.get("/", {"exclude_tags": "passport"}))
    assert "Plain one" in html and "Tagged one" not in html


def test_inbox_date_range_and_ordering_req_ops22_ops23(agent, channel_group):
    old = open_ticket(channel_group, sender="a", body="Old question")
    open_ticket(channel_group, sender="b", body="New question")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=2)).date().isoformat()
    html = html_of(agent.get("/", {"created_from": since}))
    assert "New question" in html and "Old question" not in html
    html = html_of(agent.get("/", {"order": "created"}))
    assert html.index("Old question") < html.index("New question")
    html = html_of(agent.get("/", {"order": "-created"}))
    assert html.index("New question") < html.index("Old question")


def test_inbox_bad_filters_are_form_errors_not_500_req_ui2(agent, channel_group):
    open_ticket(channel_group)
    response = agent.get("/", {"created_from": "yesterday-ish", "status": "nonsense", "cursor": "garbage"})
    html = html_of(response)
    assert response.status_code == 200
    assert "Some filters are not valid" in html
    response = agent.get("/", {"cursor": "garbage"})
    assert response.status_code == 200 and "page cursor is not valid" in html_of(response)


def test_inbox_keyset_pages_req_ops22(agent, channel_group, monkeypatch):
    monkeypatch.setattr("parlons.web.views.lists.PAGE_SIZE", 2)
    for n in range(5):
        open_ticket(channel_group, sender=f"s{n}", body=f"Question {n}")
    html = html_of(agent.get("/"))
    match = re.search(r'href="([^"]+)" rel="next"', html)
    assert match
    second = html_of(agent.get(match.group(1).replace("&amp;", "&")))
    assert "Question 2" in second and "Question 4" not in second


def test_inbox_saved_views_req_ui2(agent, agent_user, other_agent, channel_group):
    mine = open_ticket(channel_group, sender="a", body="Mine")
    theirs = open_ticket(channel_group, sender="b", body="Theirs")
    open_ticket(channel_group, sender="c", body="Nobody's")
    spam = open_ticket(channel_group, sender="d", body="Buy now")
    Ticket.objects.filter(pk=mine.pk).update(assignee=agent_user)
    Ticket.objects.filter(pk=theirs.pk).update(assignee=other_agent)
    Ticket.objects.filter(pk=spam.pk).update(is_spam=True)
    html = html_of(agent.get("/", {"view": "mine"}))
    assert "Mine" in html and "Theirs" not in html and "Buy now" not in html
    html = html_of(agent.get("/", {"view": "unassigned"}))
    assert "Nobody&#x27;s" in html and "Mine" not in html and "Buy now" not in html
    html = html_of(agent.get("/", {"view": "spam"}))
    assert "Buy now" in html and "Mine" not in html
    assert 'href="/?view=mine"' in html and 'href="/?view=team"' in html


def test_inbox_htmx_request_gets_only_the_list_req_ui2(agent, channel_group):
    open_ticket(channel_group, body="Partial please")
    response = agent.get("/", HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert html.startswith('<div id="ticket-list"') and "Partial please" in html
    assert "<html" not in html


def test_inbox_works_without_js_filters_form_is_plain_get_req_ui5(agent, channel_group):
    open_ticket(channel_group)
    html = html_of(agent.get("/"))
    assert '<form id="filters" method="get" action="/"' in html
    assert 'hx-get="/"' in html and 'hx-push-url="true"' in html
    assert 'aria-live="polite"' in html
    assert (
        "parlons/js/timers.js" in html and "parlons/js/live.js" in html and "parlons/js/keyboard.js" in html
    )
    assert 'id="shortcut-help"' in html


def test_inbox_in_french_req_ui6(client, channel_group, roles):
    user = factories.UserFactory(username="franco", language="fr", roles=["agent"])
    client.force_login(user)
    open_ticket(channel_group)
    html = html_of(client.get("/"))
    assert '<html lang="fr">' in html


# --- ticket page ------------------------------------------------------------------------------------
def test_ticket_page_shows_conversation_notes_and_history_req_ops1_ops4_ops19(
    agent, agent_user, channel_group
):
    ticket = open_ticket(channel_group, body="Hello, where is my passport?", handle="ada.t")
    reply(ticket, "We are checking.", actor=agent_user)
    agent.post(f"/tickets/{ticket.pk}/compose/", {"mode": "note", "body": "Called the office"})
    add_tags(ticket, [factories.TagFactory(name_en="Passports")], actor=agent_user)
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert html.index("Hello, where is my passport?") < html.index("We are checking.")
    assert "Internal note" in html and "Called the office" in html
    assert 'class="event"' in html
    assert "@ada.t" in html
    assert "Queued" in html  # delivery state of the reply


def test_ticket_page_unknown_ticket_is_a_friendly_404_req_ui1(agent):
    response = agent.get("/tickets/999999/")
    assert response.status_code == 404
    assert "Page not found" in html_of(response)
    assert '<main id="main"' in html_of(response)


def test_ticket_page_permalink_to_source_req_ops17(agent, channel_group):
    ticket = open_ticket(channel_group)
    Message.objects.filter(ticket=ticket).update(permalink="https://www.facebook.com/123/posts/456")
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert 'href="https://www.facebook.com/123/posts/456"' in html


def test_reply_with_jpg_attachment_req_env6_ops11(agent, channel_group, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = open_ticket(channel_group)
    upload = SimpleUploadedFile("photo.jpg", JPEG, content_type="image/jpeg")
    response = agent.post(
        f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": "Here you go", "attachments": upload}
    )
    assert response.status_code == 302
    message = Message.objects.get(ticket=ticket, direction="out")
    assert message.body == "Here you go"
    attachment = message.attachments.get()
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert f'src="/attachments/{attachment.pk}/"' in html and 'alt="Attached image: photo.jpg"' in html
    served = agent.get(f"/attachments/{attachment.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG


def test_reply_refuses_a_file_by_content_req_env6(agent, channel_group):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = open_ticket(channel_group)
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not a jpeg", content_type="image/jpeg")
    response = agent.post(
        f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": "Hi", "attachments": fake}
    )
    assert response.status_code == 400
    assert "is not a JPEG, GIF, PNG or PDF file" in html_of(response)
    assert 'role="alert"' in html_of(response)
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()


def test_reply_refuses_a_file_over_the_limit_req_env6(agent, channel_group, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PARLONS_MAX_ATTACHMENT_BYTES = 10
    ticket = open_ticket(channel_group)
    big = SimpleUploadedFile("big.pdf", PDF * 4, content_type="application/pdf")
    response = agent.post(
        f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": "Hi", "attachments": big}
    )
    assert response.status_code == 400 and "larger than" in html_of(response)


def test_empty_reply_is_a_form_error_in_french_req_ui6(client, channel_group, roles):
    user = factories.UserFactory(username="franco", language="fr", roles=["agent"])
    client.force_login(user)
    ticket = open_ticket(channel_group)
    response = client.post(f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": "  "})
    assert response.status_code == 400
    html = html_of(response)
    assert '<html lang="fr">' in html and 'role="alert"' in html


def test_pdf_attachment_is_a_link_and_downloads_req_env6(agent, channel_group):
    ticket = open_ticket(channel_group, attachments=[IncomingFile("form.pdf", PDF, "application/pdf")])
    attachment = Attachment.objects.get(message__ticket=ticket)
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert f'<a href="/attachments/{attachment.pk}/">form.pdf</a>' in html
    served = agent.get(f"/attachments/{attachment.pk}/")
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]


def test_attachment_needs_read_permission_req_adm4_env6(client, no_role_user, channel_group):
    ticket = open_ticket(channel_group, attachments=[IncomingFile("form.pdf", PDF, "application/pdf")])
    attachment = Attachment.objects.get(message__ticket=ticket)
    client.force_login(no_role_user)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 302


def test_reader_cannot_reply_403_and_nothing_changes_req_adm5_ui1(reader, channel_group):
    ticket = open_ticket(channel_group)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    response = reader.post(f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": "Sneaky"})
    assert response.status_code == 403
    assert "You do not have permission" in html_of(response)
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    html = html_of(reader.get(f"/tickets/{ticket.pk}/"))
    assert "lets you read this ticket but not answer it" in html


def test_reader_cannot_change_properties_or_tags_req_adm5(reader, channel_group):
    ticket = open_ticket(channel_group)
    factories.TagFactory(slug="passport")
    post = {"status": "closed", "priority": "urgent", "channel_group": channel_group.pk}
    assert reader.post(f"/tickets/{ticket.pk}/properties/", post).status_code == 403
    assert reader.post(f"/tickets/{ticket.pk}/tags/", {"tag": "passport"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.priority == "normal" and not ticket.tags.exists()


def test_note_is_internal_req_ops4(agent, channel_group):
    ticket = open_ticket(channel_group)
    response = agent.post(f"/tickets/{ticket.pk}/compose/", {"mode": "note", "body": "Only for us"})
    assert response.status_code == 302
    assert Note.objects.get(ticket=ticket).body == "Only for us"
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()


def test_properties_form_changes_status_and_priority_req_ops8_ops24(agent, channel_group):
    ticket = open_ticket(channel_group)
    post = {
        "status": "pending",
        "priority": "high",
        "channel_group": channel_group.pk,
        "assignee": "",
        "team": "",
    }
    response = agent.post(f"/tickets/{ticket.pk}/properties/", post)
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", "high")


def test_agent_cannot_assign_to_a_team_but_lead_can_req_ops24_adm5(
    client, agent_user, lead_user, channel_group
):
    team = factories.TeamFactory(name="Passports") if hasattr(factories, "TeamFactory") else None
    if team is None:
        from parlons.accounts.models import Team

        team = Team.objects.create(name="Passports")
    ticket = open_ticket(channel_group)
    post = {"status": ticket.status, "priority": "normal", "channel_group": channel_group.pk, "team": team.pk}
    client.force_login(agent_user)
    assert client.post(f"/tickets/{ticket.pk}/properties/", post).status_code == 403
    ticket.refresh_from_db()
    assert ticket.team is None
    client.force_login(lead_user)
    assert client.post(f"/tickets/{ticket.pk}/properties/", post).status_code == 302
    ticket.refresh_from_db()
    assert ticket.team == team


def test_properties_bad_input_is_an_error_message_req_ui1(agent, channel_group):
    ticket = open_ticket(channel_group)
    response = agent.post(f"/tickets/{ticket.pk}/properties/", {"status": "exploded"}, follow=True)
    assert response.status_code == 200
    assert "alert-error" in html_of(response)


def test_tag_editor_adds_by_code_or_name_and_removes_req_ops3_ops5(agent, channel_group):
    ticket = open_ticket(channel_group)
    factories.TagFactory(slug="passport", name_en="Passports", name_fr="Passeports")
    factories.TagFactory(slug="visa", name_en="Visas", name_fr="Visas")
    assert agent.post(f"/tickets/{ticket.pk}/tags/", {"tag": "passport"}).status_code == 302
    assert agent.post(f"/tickets/{ticket.pk}/tags/", {"tag": "visas"}).status_code == 302
    assert set(ticket.tags.values_list("slug", flat=True)) == {"passport", "visa"}
    agent.post(f"/tickets/{ticket.pk}/tags/", {"remove": "visa"})
    assert set(ticket.tags.values_list("slug", flat=True)) == {"passport"}
    response = agent.post(f"/tickets/{ticket.pk}/tags/", {"tag": "nope"}, follow=True)
    assert "Unknown tag" in html_of(response)


def test_tag_editor_handles_fifty_tags_req_ops5(agent, channel_group):
    ticket = open_ticket(channel_group)
    tags = [factories.TagFactory() for _ in range(55)]
    add_tags(ticket, tags, actor=factories.SYSTEM)
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert html.count('name="remove" value="tag-') == 55
    assert '<datalist id="ticket-tag-codes">' in html


def test_trackers_on_a_ticket_req_ops18(agent, lead_user, channel_group):
    ticket = open_ticket(channel_group)
    tracker = Tracker.objects.create(name="Wildfire evacuations", created_by=lead_user)
    agent.post(f"/tickets/{ticket.pk}/trackers/", {"tracker": tracker.pk})
    assert tracker.tickets.filter(pk=ticket.pk).exists()
    agent.post(f"/tickets/{ticket.pk}/trackers/", {"remove": tracker.pk})
    assert not tracker.tickets.filter(pk=ticket.pk).exists()
    response = agent.post(f"/tickets/{ticket.pk}/trackers/", {"tracker": "abc"}, follow=True)
    assert response.status_code == 200 and "Choose a tracker" in html_of(response)


def test_split_a_message_into_a_new_ticket_req_ops1(agent, channel_group):
    ticket = open_ticket(channel_group, sender="p1", body="First question")
    second = factories.ingest(channel_group, sender="p1", body="Another matter").message
    assert second.ticket_id == ticket.pk
    response = agent.post(f"/tickets/{ticket.pk}/messages/{second.pk}/split/")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.ticket_id != ticket.pk
    assert response["Location"] == f"/tickets/{second.ticket_id}/"


def test_user_content_is_escaped_on_the_ticket_page_req_adm1(agent, channel_group):
    ticket = open_ticket(channel_group, body='<img src=x onerror="alert(1)">', name="<script>x</script>")
    agent.post(f"/tickets/{ticket.pk}/compose/", {"mode": "note", "body": "<b>bold</b>"})
    html = html_of(agent.get(f"/tickets/{ticket.pk}/"))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<script>x</script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_ticket_page_has_no_inline_script_or_style_req_adm1_ui5(agent, channel_group):
    ticket = open_ticket(channel_group)
    response = agent.get(f"/tickets/{ticket.pk}/")
    html = html_of(response)
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert "parlons/js/composer.js" in html


def test_post_only_actions_refuse_get_req_ui1(agent, channel_group):
    ticket = open_ticket(channel_group)
    assert agent.get(f"/tickets/{ticket.pk}/compose/").status_code == 405
    assert agent.get("/tickets/bulk/").status_code == 405


# --- bulk update --------------------------------------------------------------------------------------
def test_bulk_update_asks_for_confirmation_then_applies_req_ops21(lead, channel_group):
    tickets = [open_ticket(channel_group, sender=f"s{n}") for n in range(3)]
    factories.TagFactory(slug="wildfire")
    ids = [t.pk for t in tickets]
    post = {
        "ids": ids,
        "status": "pending",
        "priority": "",
        "assignee": "",
        "team": "",
        "spam": "",
        "add_tags": "wildfire",
    }
    confirm = lead.post("/tickets/bulk/", post)
    html = html_of(confirm)
    assert confirm.status_code == 200 and "3 tickets will change." in html
    assert all(Ticket.objects.get(pk=pk).status == "new" for pk in ids)
    done = lead.post("/tickets/bulk/", {**post, "confirm": "yes", "next": "/"}, follow=True)
    assert "3 tickets updated." in html_of(done)
    for pk in ids:
        ticket = Ticket.objects.get(pk=pk)
        assert ticket.status == "pending" and ticket.tags.filter(slug="wildfire").exists()


def test_bulk_update_without_selection_or_change_is_an_error_req_ops21(lead, channel_group):
    ticket = open_ticket(channel_group)
    response = lead.post("/tickets/bulk/", {"status": "pending"}, follow=True)
    assert "Select at least one ticket" in html_of(response)
    response = lead.post("/tickets/bulk/", {"ids": [ticket.pk], "status": ""}, follow=True)
    assert "Choose at least one change" in html_of(response)
    response = lead.post("/tickets/bulk/", {"ids": [ticket.pk], "add_tags": "no-such-tag"}, follow=True)
    assert "Unknown tags" in html_of(response)


def test_bulk_update_refused_for_a_reader_req_ops21_adm5(reader, channel_group):
    ticket = open_ticket(channel_group)
    response = reader.post("/tickets/bulk/", {"ids": [ticket.pk], "status": "closed", "confirm": "yes"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_bulk_next_must_stay_on_site_req_adm1(lead, channel_group):
    ticket = open_ticket(channel_group)
    response = lead.post(
        "/tickets/bulk/",
        {"ids": [ticket.pk], "status": "pending", "confirm": "yes", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


# --- trackers --------------------------------------------------------------------------------------
def test_trackers_create_rename_and_list_tickets_req_ops18(lead, channel_group):
    response = lead.post("/trackers/", {"name": "Wildfires", "description": "Summer 2026"})
    tracker = Tracker.objects.get(name="Wildfires")
    assert response["Location"] == f"/trackers/{tracker.pk}/"
    ticket = open_ticket(channel_group, body="Smoke near my house")
    lead.post(f"/tickets/{ticket.pk}/trackers/", {"tracker": tracker.pk})
    html = html_of(lead.get(f"/trackers/{tracker.pk}/"))
    assert "Smoke near my house" in html and "Wildfires" in html
    lead.post(f"/trackers/{tracker.pk}/rename/", {"name": "Wildfires 2026"})
    tracker.refresh_from_db()
    assert tracker.name == "Wildfires 2026"
    assert "Wildfires 2026" in html_of(lead.get("/trackers/"))


def test_trackers_bad_input_is_a_form_error_req_ops18(lead):
    response = lead.post("/trackers/", {"name": ""})
    assert response.status_code == 400 and "field-error" in html_of(response)


def test_agent_cannot_create_a_tracker_req_ops18_adm5(agent):
    response = agent.post("/trackers/", {"name": "Mine"})
    assert response.status_code == 403
    assert not Tracker.objects.exists()
    assert agent.get("/trackers/999/").status_code == 404


def test_trackers_need_read_permission_req_adm4(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/trackers/").status_code == 403


def test_bulk_update_all_results_of_a_filter_req_ops21(lead, channel_group, monkeypatch):
    monkeypatch.setattr("parlons.web.views.lists.PAGE_SIZE", 2)
    wanted = [open_ticket(channel_group, sender=f"w{n}", handle=f"wanted{n}") for n in range(3)]
    other = open_ticket(channel_group, sender="o", handle="other")
    for ticket in wanted:
        Ticket.objects.filter(pk=ticket.pk).update(priority="high")
    post = {"scope": "filter", "filter_query": "priority=high", "status": "pending", "next": "/"}
    confirm = lead.post("/tickets/bulk/", post)
    assert "3 tickets will change." in html_of(confirm)
    ids = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', html_of(confirm))]
    assert sorted(ids) == sorted(t.pk for t in wanted)
    lead.post("/tickets/bulk/", {"ids": ids, "status": "pending", "confirm": "yes", "next": "/"})
    assert Ticket.objects.filter(status="pending").count() == 3
    other.refresh_from_db()
    assert other.status == "new"
