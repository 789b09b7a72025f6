"""factory_boy factories for tests. They write rows directly (tests may); code under test goes through services.

``ingest(...)`` is the realistic way to make a ticket: it sends an inbound message through the ingest service.
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from parlons.accounts.models import ApiToken, RoleGrant, Team, User
from parlons.core.actors import SYSTEM
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import (
    ChannelGroup,
    Contact,
    ContactIdentity,
    LineOfBusiness,
    Message,
    MessageKind,
    Note,
    Tag,
    TagGroup,
    Ticket,
    TicketTag,
    Tracker,
)

TEST_PASSWORD = "Correct-Horse-Battery-42"

# Tiny but real file contents (magic numbers are what the attachment check reads).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF_BYTES = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def default_roles():
    from parlons.accounts.services import ensure_default_roles

    return ensure_default_roles()


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Équipe {n}")
    description = "Une équipe de test / a test team"


class UserFactory(DjangoModelFactory):
    """A user; ``roles=["agent"]`` grants default roles, ``teams=[team]`` adds memberships."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Élise{n}")
    last_name = "Côté"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gc.ca")
    language = "en"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create or not extracted:
            return
        all_roles = default_roles()
        for role in extracted:
            role_obj = all_roles[role] if isinstance(role, str) else role
            RoleGrant.objects.get_or_create(role=role_obj, user=obj)

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.teams.add(*extracted)


def grant(role_slug: str, *, user: User | None = None, team: Team | None = None) -> RoleGrant:
    """Grant a default role directly (no permission check: test set-up only)."""
    return RoleGrant.objects.create(role=default_roles()[role_slug], user=user, team=team)


class LineOfBusinessFactory(DjangoModelFactory):
    class Meta:
        model = LineOfBusiness

    slug = factory.Sequence(lambda n: f"lob-{n}")
    name_en = factory.Sequence(lambda n: f"Line of business {n}")
    name_fr = factory.Sequence(lambda n: f"Secteur d'activité {n}")


class TagGroupFactory(DjangoModelFactory):
    class Meta:
        model = TagGroup

    slug = factory.Sequence(lambda n: f"group-{n}")
    name_en = factory.Sequence(lambda n: f"Group {n}")
    name_fr = factory.Sequence(lambda n: f"Groupe {n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name_en = factory.Sequence(lambda n: f"Tag {n}")
    name_fr = factory.Sequence(lambda n: f"Étiquette {n}")


class TrackerFactory(DjangoModelFactory):
    class Meta:
        model = Tracker

    name = factory.Sequence(lambda n: f"Tracker {n}")


class ChannelGroupFactory(DjangoModelFactory):
    """A group inside the channel of ``platform`` (default: the API channel, which has a local connector)."""

    class Meta:
        model = ChannelGroup
        exclude = ("platform",)

    platform = "api"
    channel = factory.LazyAttribute(lambda o: _channel(o.platform))
    name = factory.Sequence(lambda n: f"Channel group {n}")
    external_id = factory.Sequence(lambda n: f"group-ext-{n}")
    language = "en"


def _channel(platform: str):
    from parlons.tickets.services import channel_for

    return channel_for(platform)


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Client {n}")


class ContactIdentityFactory(DjangoModelFactory):
    class Meta:
        model = ContactIdentity

    contact = factory.SubFactory(ContactFactory)
    platform = "api"
    external_id = factory.Sequence(lambda n: f"person-{n}")
    handle = factory.Sequence(lambda n: f"handle{n}")


class TicketFactory(DjangoModelFactory):
    """A ticket row written directly (for selector tests that need exact timestamps and many rows)."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    subject = factory.Sequence(lambda n: f"Ticket {n}")
    contact = factory.SubFactory(ContactFactory)
    channel_group = factory.SubFactory(ChannelGroupFactory)
    conversation_key = factory.Sequence(lambda n: f"conv-{n}")
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            TicketTag.objects.bulk_create([TicketTag(ticket=obj, tag=t) for t in extracted])


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    direction = Message.Direction.IN
    platform = factory.LazyAttribute(lambda o: o.ticket.channel_group.channel.platform)
    author_contact = factory.LazyAttribute(lambda o: o.ticket.contact)
    body = factory.Sequence(lambda n: f"Message {n}")
    created_at = factory.LazyFunction(timezone.now)


class NoteFactory(DjangoModelFactory):
    class Meta:
        model = Note

    ticket = factory.SubFactory(TicketFactory)
    body = "Note interne"
    created_at = factory.LazyFunction(timezone.now)


class ApiTokenFactory(DjangoModelFactory):
    """A token row; prefer ``parlons.accounts.services.create_token`` to get a usable key."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    prefix = factory.Sequence(lambda n: f"prl_{n:08d}")
    key_hash = factory.Sequence(lambda n: ApiToken.hash_key(f"key-{n}"))
    scopes = factory.LazyFunction(list)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


# --- inbound messages -----------------------------------------------------------------------------
_counter = {"n": 0}


def _next(prefix: str) -> str:
    _counter["n"] += 1
    return f"{prefix}-{_counter['n']}"


def inbound(
    channel_group: ChannelGroup,
    *,
    sender: str = "client-1",
    handle: str = "marie.tremblay",
    name: str = "Marie Tremblay",
    body: str = "Bonjour, où en est ma demande de passeport?",
    external_id: str | None = None,
    conversation: str = "",
    profile: dict | None = None,
    kind: str = MessageKind.MESSAGE,
    attachments: list[IncomingFile] | None = None,
    **extra,
):
    """A normalized inbound message, as a connector hands it to the ingest service."""
    from parlons.tickets.services import InboundMessage, Sender

    return InboundMessage(
        channel_group=channel_group,
        sender=Sender(external_id=sender, handle=handle, name=name, profile=profile or {}),
        body=body,
        kind=kind,
        external_id=_next("msg") if external_id is None else external_id,
        conversation_key=conversation,
        attachments=attachments or [],
        **extra,
    )


def ingest(channel_group: ChannelGroup, *, actor=SYSTEM, via: str = "ingest", **kwargs):
    """Ingest one inbound message through the service; returns the ``IngestResult``."""
    from parlons.tickets.services import ingest_inbound_message

    return ingest_inbound_message(inbound(channel_group, **kwargs), actor=actor, via=via)
