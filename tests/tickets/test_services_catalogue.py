"""The catalogue: tags (create, rename, archive, delete with history kept readable), tag groups and subgroups,
lines of business, trackers and channel groups with encrypted credentials (ADM-8, OPS-16, OPS-18, SRCH-7)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from parlons.core.crypto import decrypt_json
from parlons.core.errors import Conflict, Forbidden, Invalid
from parlons.core.events import DomainEvent
from parlons.tickets.history import describe
from parlons.tickets.models import ChannelGroup, Tag, TicketEvent, TicketTag, Tracker
from parlons.tickets.services import (
    add_tags,
    create_channel_group,
    create_line_of_business,
    create_tag,
    create_tag_group,
    create_tracker,
    delete_channel_group,
    delete_tag,
    delete_tracker,
    update_channel_group,
    update_tag,
    update_tracker,
)
from tests import factories

pytestmark = pytest.mark.django_db


# --- tags -----------------------------------------------------------------------------------------
def test_create_tag_with_both_names_req_adm8_ops5(agent_user, committed_events):
    with committed_events() as events:
        tag = create_tag(actor=agent_user, name_en="Passport delays", name_fr="Délais de passeport")
    assert (tag.slug, tag.name_en, tag.name_fr, tag.is_archived) == (
        "passport-delays",
        "Passport delays",
        "Délais de passeport",
        False,
    )
    assert events == [DomainEvent("tag.created", via="web", actor_id=agent_user.pk, data={"id": tag.pk})]


def test_create_tag_refusals_req_adm8(agent_user, reader_user):
    create_tag(actor=agent_user, name_en="Fees", name_fr="Frais")
    with pytest.raises(Conflict) as exc:
        create_tag(actor=agent_user, name_en="fees", name_fr="Les frais")
    assert exc.value.code == "duplicate"
    with pytest.raises(Invalid) as exc:
        create_tag(actor=agent_user, name_en="Only English", name_fr="  ")
    assert exc.value.code == "names_required"
    with pytest.raises(Invalid) as exc:
        create_tag(actor=agent_user, name_en="!!!", name_fr="???")
    assert exc.value.code == "bad_slug"
    with pytest.raises(Forbidden):
        create_tag(actor=reader_user, name_en="Other", name_fr="Autre")
    assert list(Tag.objects.values_list("slug", flat=True)) == ["fees"]


def test_rename_tag_keeps_history_as_written_req_adm8_ops19(ticket, lead_user):
    tag = create_tag(actor=lead_user, name_en="Visa", name_fr="Visa", slug="visa")
    add_tags(ticket, [tag], actor=lead_user)
    update_tag(tag, actor=lead_user, name_en="Visitor visa", name_fr="Visa de visiteur")
    tag.refresh_from_db()
    assert (tag.slug, tag.name_en, tag.name_fr) == ("visa", "Visitor visa", "Visa de visiteur")
    added = TicketEvent.objects.get(ticket=ticket, kind="tags.added")
    assert describe(added, "en") == "Tags added: Visa"
    with pytest.raises(Invalid) as exc:
        update_tag(tag, actor=lead_user, name_fr="")
    assert exc.value.code == "names_required"
    with pytest.raises(Invalid):
        update_tag(tag, actor=lead_user, slug="other")


def test_archive_and_unarchive_tag_req_adm8(ticket, lead_user, agent_user):
    tag = factories.TagFactory()
    update_tag(tag, actor=lead_user, is_archived=True)
    with pytest.raises(Invalid):
        add_tags(ticket, [tag], actor=agent_user)
    update_tag(tag, actor=lead_user, is_archived=False)
    add_tags(ticket, [tag], actor=agent_user)
    assert list(ticket.tags.all()) == [tag]


def test_agents_cannot_rename_archive_or_delete_tags_req_adm5_adm8(agent_user):
    tag = factories.TagFactory(name_en="Keep")
    with pytest.raises(Forbidden):
        update_tag(tag, actor=agent_user, name_en="Changed")
    with pytest.raises(Forbidden):
        delete_tag(tag, actor=agent_user, confirm=True)
    tag.refresh_from_db()
    assert tag.name_en == "Keep"


def test_delete_unused_tag_req_adm8(lead_user, committed_events):
    tag = factories.TagFactory()
    tag_id = tag.pk
    with committed_events() as events:
        assert delete_tag(tag, actor=lead_user) == 0
    assert not Tag.objects.filter(pk=tag_id).exists()
    assert events == [
        DomainEvent("tag.deleted", via="web", actor_id=lead_user.pk, data={"id": tag_id, "tickets": 0})
    ]


def test_deleting_a_tag_in_use_asks_then_keeps_history_readable_req_adm8_ops19(
    channel_group, lead_user, agent_user
):
    tag = create_tag(actor=agent_user, name_en="Lost passport", name_fr="Passeport perdu", slug="lost")
    tag_id = tag.pk
    tickets = [factories.ingest(channel_group, sender=f"psid-{i}").ticket for i in range(2)]
    for t in tickets:
        add_tags(t, [tag], actor=agent_user)

    with pytest.raises(Conflict) as exc:
        delete_tag(tag, actor=lead_user)
    assert (exc.value.code, exc.value.details) == ("tag_in_use", {"tickets": 2})
    assert TicketTag.objects.filter(tag=tag).count() == 2

    assert delete_tag(tag, actor=lead_user, confirm=True) == 2
    assert not Tag.objects.filter(slug="lost").exists()
    assert TicketTag.objects.count() == 0
    for t in tickets:
        removed = TicketEvent.objects.get(ticket=t, kind="tags.removed")
        assert removed.actor == lead_user
        assert removed.data == {
            "tags": [{"id": tag_id, "slug": "lost", "en": "Lost passport", "fr": "Passeport perdu"}],
            "reason": "tag_deleted",
        }
        assert describe(removed, "en") == "Tag removed because it was deleted: Lost passport"
        with translation.override("fr"):
            assert "Passeport perdu" in describe(removed)
        # The row that added it still reads the same.
        added = TicketEvent.objects.get(ticket=t, kind="tags.added")
        assert describe(added, "en") == "Tags added: Lost passport"


# --- groups, subgroups, lines of business (OPS-16, SRCH-7) ----------------------------------------
def test_tag_groups_subgroups_and_lines_of_business_req_ops16_srch7(lead_user, agent_user):
    lob = create_line_of_business(actor=lead_user, name_en="Immigration", name_fr="Immigration")
    group = create_tag_group(actor=lead_user, name_en="Visas", name_fr="Visas", line_of_business=lob)
    sub = create_tag_group(actor=lead_user, name_en="Student visas", name_fr="Visas d'études", parent=group)
    tag = create_tag(actor=agent_user, name_en="Study permit", name_fr="Permis d'études", group=sub)

    assert (lob.slug, group.slug, sub.slug) == ("immigration", "visas", "student-visas")
    assert sub.parent == group
    assert sub.line_of_business == lob  # a subgroup belongs to its parent's line of business
    assert (tag.group, tag.line_of_business) == (sub, lob)
    assert list(group.subgroups.all()) == [sub]
    assert list(lob.tags.all()) == [tag]

    with pytest.raises(Invalid) as exc:
        create_tag_group(actor=lead_user, name_en="Too deep", name_fr="Trop profond", parent=sub)
    assert exc.value.code == "nesting"
    with pytest.raises(Conflict):
        create_line_of_business(actor=lead_user, name_en="Immigration", name_fr="Immigration")
    with pytest.raises(Forbidden):
        create_tag_group(actor=agent_user, name_en="G", name_fr="G")
    with pytest.raises(Forbidden):
        create_line_of_business(actor=agent_user, name_en="L", name_fr="L")


def test_regroup_a_tag_req_srch7(lead_user):
    group = factories.TagGroupFactory()
    tag = factories.TagFactory()
    update_tag(tag, actor=lead_user, group=group)
    tag.refresh_from_db()
    assert tag.group == group


# --- trackers (OPS-18) ----------------------------------------------------------------------------
def test_tracker_lifecycle_req_ops18(lead_user, agent_user, committed_events):
    with committed_events() as events:
        tracker = create_tracker(actor=lead_user, name="  Grève postale  ", description="Suivi")
    assert (tracker.name, tracker.description, tracker.created_by) == ("Grève postale", "Suivi", lead_user)
    assert events == [
        DomainEvent("tracker.created", via="web", actor_id=lead_user.pk, data={"id": tracker.pk})
    ]
    update_tracker(tracker, actor=lead_user, name="Grève de Postes Canada", is_archived=True)
    tracker.refresh_from_db()
    assert (tracker.name, tracker.is_archived) == ("Grève de Postes Canada", True)
    with pytest.raises(Invalid):
        update_tracker(tracker, actor=lead_user, name=" ")
    with pytest.raises(Invalid):
        create_tracker(actor=lead_user, name="")
    with pytest.raises(Forbidden):
        create_tracker(actor=agent_user, name="Mine")
    with pytest.raises(Forbidden):
        delete_tracker(tracker, actor=agent_user)
    delete_tracker(tracker, actor=lead_user)
    assert Tracker.objects.count() == 0


# --- channel groups -------------------------------------------------------------------------------
SECRET = {"page_access_token": "EAAB-very-secret-token", "app_secret": "s3cr3t-ünïcode"}


def test_channel_group_credentials_are_stored_encrypted_req_env1_adm6(admin_user, committed_events):
    team = factories.TeamFactory(name="Réseaux sociaux")
    with committed_events() as events:
        group = create_channel_group(
            actor=admin_user,
            platform="facebook",
            name="IRCC (FR)",
            external_id=" 1234567890 ",
            team=team,
            language="fr",
            credentials=SECRET,
        )
    assert (group.platform, group.name, group.external_id, group.team, group.language) == (
        "facebook",
        "IRCC (FR)",
        "1234567890",
        team,
        "fr",
    )
    assert group.has_credentials
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT credentials_encrypted FROM {ChannelGroup._meta.db_table} WHERE id = %s", [group.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw
    for secret in SECRET.values():
        assert secret not in raw
    assert "page_access_token" not in raw
    assert decrypt_json(raw) == SECRET
    assert events == [
        DomainEvent("channel_group.created", via="web", actor_id=admin_user.pk, data={"id": group.pk})
    ]

    update_channel_group(group, actor=admin_user, credentials={"page_access_token": "new"}, name="IRCC")
    group.refresh_from_db()
    assert group.name == "IRCC"
    assert decrypt_json(group.credentials_encrypted) == {"page_access_token": "new"}
    update_channel_group(group, actor=admin_user, language="en")  # no credentials given: kept
    group.refresh_from_db()
    assert decrypt_json(group.credentials_encrypted) == {"page_access_token": "new"}


def test_channel_group_refusals(admin_user, lead_user):
    create_channel_group(actor=admin_user, platform="whatsapp", name="WhatsApp", external_id="555")
    with pytest.raises(Conflict) as exc:
        create_channel_group(actor=admin_user, platform="whatsapp", name="Other", external_id="555")
    assert exc.value.code == "duplicate"
    # the same platform id on another platform is another group
    create_channel_group(actor=admin_user, platform="x", name="X", external_id="555")
    with pytest.raises(Invalid):
        create_channel_group(actor=admin_user, platform="myspace", name="Old")
    with pytest.raises(Invalid):
        create_channel_group(actor=admin_user, platform="email", name="  ")
    with pytest.raises(Invalid):
        create_channel_group(actor=admin_user, platform="email", name="Mail", language="de")
    with pytest.raises(Forbidden):
        create_channel_group(actor=lead_user, platform="email", name="Mail")
    assert ChannelGroup.objects.count() == 2


def test_delete_channel_group_only_without_tickets(admin_user, ticket, channel_group):
    with pytest.raises(Conflict) as exc:
        delete_channel_group(channel_group, actor=admin_user)
    assert exc.value.code == "group_in_use"
    update_channel_group(channel_group, actor=admin_user, is_active=False)
    channel_group.refresh_from_db()
    assert channel_group.is_active is False
    empty = factories.ChannelGroupFactory()
    delete_channel_group(empty, actor=admin_user)
    assert not ChannelGroup.objects.filter(pk=empty.pk).exists()
