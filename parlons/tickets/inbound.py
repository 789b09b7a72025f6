"""What a connector hands over to the ticket services, whatever the platform: a message from the public
(``InboundMessage`` from a ``Sender``) or something the platform says about a message (``PlatformEvent``).

Plain data, importing no service: connectors build these at module level without reaching into
``parlons.tickets.services`` (which is what stores them), so the two packages do not import each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parlons.tickets.files import IncomingFile
from parlons.tickets.models import ChannelGroup, MessageKind


@dataclass
class Sender:
    """Who wrote: the platform's id for them, their handle and whatever public profile the platform gave."""

    external_id: str
    handle: str = ""
    name: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    profile_url: str = ""
    avatar_url: str = ""
    email: str = ""
    # True when ``profile`` was just fetched from the platform (its date is then kept even if nothing changed).
    profile_fetched: bool = False


@dataclass
class InboundMessage:
    """A message as every connector hands it over, whatever the platform."""

    channel_group: ChannelGroup
    sender: Sender
    body: str
    kind: str = MessageKind.MESSAGE
    external_id: str = ""
    conversation_key: str = ""
    created_at: datetime | None = None
    permalink: str = ""
    subject: str = ""
    language: str = ""
    parent_external_id: str = ""
    attachments: list[IncomingFile] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlatformEvent:
    """One thing a platform said about a message (not a new message from the public)."""

    channel_group: ChannelGroup
    kind: str
    external_ids: list[str] = field(default_factory=list)
    status: str = ""
    error: str = ""
    body: str = ""
    watermark: datetime | None = None
    contact_external_id: str = ""
    conversation_key: str = ""
    at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return self.external_ids[0] if self.external_ids else ""
