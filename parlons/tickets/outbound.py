"""What the ticket services hand to the platforms, through one narrow seam (issue 14, items 1 and 2).

The ticket services never import the connectors: they describe a reply (``ReplyOptions``) and call the three
functions below. The connectors app installs the implementation when Django starts
(``parlons.connectors.apps.ConnectorsConfig.ready`` → ``parlons.connectors.outbound``):

- ``check_reply``: the platform's rules for a reply (messaging window, human-agent tag, templates, private
  replies, length), checked before anything is stored or queued, whichever transport asks (page, API, rule);
- ``queue_message``: hand a stored outgoing message to the platform's sender, in the caller's transaction;
- ``set_hidden``: hide or unhide a public comment on the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from parlons.tickets.files import IncomingFile
    from parlons.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Template:
    """An approved WhatsApp message template, by name and language, with the values of its placeholders in
    order (``{{1}}``, ``{{2}}``…)."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "parameters", tuple(self.parameters))


@dataclass(frozen=True)
class ReplyOptions:
    """What the agent asks for when replying, beyond the text. Every transport builds one; the platform's
    connector decides whether it is possible now (``check_reply``).

    - ``template``: send this approved template (WhatsApp) instead of free text; the text is the template's.
    - ``human_agent``: tag the reply ``HUMAN_AGENT`` (Messenger, Instagram: a person answering within 7 days).
    - ``private_reply``: answer a Facebook or Instagram comment privately, by direct message (once per comment).
    - ``x_dm``: answer an X mention by direct message instead of a reply post.
    - ``attachments``: files sent with the reply.
    - ``status_after``: the status the ticket takes once the reply is queued (``pending``, ``resolved``…), in
      the same transaction, with its own history row and event; "" leaves the status as the reply sets it.
    """

    template: Template | None = None
    human_agent: bool = False
    private_reply: bool = False
    x_dm: bool = False
    attachments: tuple[IncomingFile, ...] = field(default=(), repr=False)
    status_after: str = ""

    def __post_init__(self):
        object.__setattr__(self, "attachments", tuple(self.attachments))


@dataclass(frozen=True)
class CheckedReply:
    """A reply the platform accepts: the text to store (a template's text once filled in) and the metadata its
    sender reads (e.g. ``{"messaging_tag": "HUMAN_AGENT"}``)."""

    body: str
    metadata: dict = field(default_factory=dict)


class Outbound(Protocol):
    def check_reply(self, ticket: Ticket, body: str, options: ReplyOptions) -> CheckedReply:
        """The reply as it will be sent, or ``Invalid`` (stable code, translated message) if the platform
        would refuse it. May ask the platform (e.g. for its templates): call outside any transaction."""
        ...

    def queue(self, message: Message, *, idempotency_key: str) -> None:
        """Queue a stored outgoing message for delivery, in the caller's transaction."""
        ...

    def set_hidden(self, message: Message, hidden: bool) -> None:
        """Hide or unhide a public comment on the platform, or ``Invalid`` with the platform's reason."""
        ...


_installed: Outbound | None = None


def install(implementation: Outbound) -> None:
    """Called once by the connectors app when Django starts."""
    global _installed
    _installed = implementation


def _outbound() -> Outbound:
    if _installed is None:
        raise RuntimeError("No outbound implementation: is parlons.connectors in INSTALLED_APPS?")
    return _installed


def check_reply(ticket: Ticket, body: str, options: ReplyOptions) -> CheckedReply:
    return _outbound().check_reply(ticket, body, options)


def queue_message(message: Message, *, idempotency_key: str) -> None:
    _outbound().queue(message, idempotency_key=idempotency_key)


def set_hidden(message: Message, hidden: bool) -> None:
    _outbound().set_hidden(message, hidden)
