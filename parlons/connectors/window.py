"""What a reply may be on each platform right now (issue "Channels I", items 3-5; X mentions, issue 6).

Messenger and Instagram direct messages accept free-form replies for 24 hours after the person's last message;
within 7 days a human agent may still answer with the ``HUMAN_AGENT`` message tag. WhatsApp accepts free-form
replies for 24 hours; outside that window only an approved message template can be sent. A Facebook or
Instagram comment can be answered publicly, or once, privately by direct message, within 7 days of the comment.
An X mention can be answered by a reply post or by a direct message (if the person accepts them).

``reply_options`` tells the composer what to offer; ``options_from_form`` turns the agent's choice into the
reply's ``metadata``, which the connectors read when sending (and check again: a reply queued inside the window
but sent after it is refused with the platform's rule, not silently dropped).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.errors import Invalid
from parlons.tickets.models import Message, MessageKind, Ticket

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
HUMAN_AGENT = "HUMAN_AGENT"
WINDOW_PLATFORMS = {"messenger", "instagram", "whatsapp"}
PRIVATE_REPLY_PLATFORMS = {"facebook", "instagram"}
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


@dataclass
class ReplyOptions:
    platform: str
    has_window: bool = False
    last_in_at: datetime | None = None
    closes_at: datetime | None = None
    is_open: bool = True
    human_agent_until: datetime | None = None  # set when the HUMAN_AGENT tag may be used now
    templates: list[dict] = field(default_factory=list)  # WhatsApp, outside the window
    templates_error: str = ""
    private_reply_to: Message | None = None  # the comment a private reply would answer
    private_reply_until: datetime | None = None
    x_dm: bool = False  # an X mention may also be answered by direct message


def _last_inbound(ticket: Ticket):
    return (
        Message.objects.filter(ticket=ticket, direction=Message.Direction.IN)
        .order_by("-created_at", "-id")
        .only("id", "created_at", "external_id", "kind", "metadata")
        .first()
    )


def private_reply_used(comment: Message) -> bool:
    return (
        Message.objects.filter(
            ticket_id=comment.ticket_id,
            direction=Message.Direction.OUT,
            metadata__private_reply_to=comment.external_id,
        )
        .exclude(delivery_status=Message.Delivery.FAILED)
        .exists()
    )


def _is_direct(ticket: Ticket, platform: str) -> bool:
    return platform == "whatsapp" or ticket.kind in (MessageKind.MESSAGE, MessageKind.DM)


def reply_options(
    ticket: Ticket, now: datetime | None = None, *, with_templates: bool = True
) -> ReplyOptions:
    now = now or timezone.now()
    platform = ticket.channel_group.channel.platform
    options = ReplyOptions(platform=platform)
    last = _last_inbound(ticket)
    if platform in WINDOW_PLATFORMS and _is_direct(ticket, platform):
        options.has_window = True
        options.last_in_at = last.created_at if last else None
        options.closes_at = last.created_at + WINDOW if last else None
        options.is_open = bool(last and now < options.closes_at)
        if not options.is_open and last and platform in ("messenger", "instagram"):
            until = last.created_at + HUMAN_AGENT_WINDOW
            if now < until:
                options.human_agent_until = until
        if not options.is_open and platform == "whatsapp" and with_templates:
            options.templates, options.templates_error = whatsapp_templates(ticket.channel_group)
    elif platform == "x" and ticket.kind == MessageKind.MENTION and last is not None:
        options.x_dm = True
    elif (
        platform in PRIVATE_REPLY_PLATFORMS
        and ticket.kind == MessageKind.COMMENT
        and last
        and last.external_id
    ):
        until = last.created_at + PRIVATE_REPLY_WINDOW
        if now < until and not private_reply_used(last):
            options.private_reply_to = last
            options.private_reply_until = until
    return options


def whatsapp_templates(group) -> tuple[list[dict], str]:
    """The approved templates of the channel group's WhatsApp Business account, from the platform
    (``GET /{waba-id}/message_templates``; the account id is ``waba_id`` in the group's credentials)."""
    from parlons.connectors.base import SendError
    from parlons.connectors.meta.common import credentials, token
    from parlons.connectors.meta.graph import GraphClient

    waba = str(credentials(group).get("waba_id", ""))
    if not waba:
        return [], _("No WhatsApp Business account id (waba_id) is set for this channel group.")
    try:
        data = GraphClient(token(group, "access_token")).get(
            f"{waba}/message_templates", params={"status": "APPROVED", "limit": 100}
        )
    except SendError as exc:
        logger.warning("could not list WhatsApp templates: %s", exc.code)
        return [], _("The templates could not be read from WhatsApp; try again later.")
    templates = []
    for item in data.get("data") or []:
        if str(item.get("status", "APPROVED")).upper() != "APPROVED":
            continue
        body = next(
            (
                str(c.get("text", ""))
                for c in item.get("components") or []
                if str(c.get("type")).upper() == "BODY"
            ),
            "",
        )
        count = len(set(PLACEHOLDER.findall(body)))
        templates.append(
            {
                "name": str(item.get("name", "")),
                "language": str(item.get("language", "")),
                "body": body,
                "parameters": count,
                "key": f"{item.get('name', '')}|{item.get('language', '')}",
            }
        )
    return templates, ""


def fill_template(body: str, parameters: list[str]) -> str:
    return PLACEHOLDER.sub(
        lambda m: parameters[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(parameters) else m.group(0),
        body,
    )


def options_from_form(ticket: Ticket, data, body: str) -> tuple[dict, str]:
    """The reply's metadata (and its body, for a template) from the composer's fields ``reply_via``
    (``public`` | ``private``), ``human_agent`` and ``template`` + ``template_param``. Invalid if the choice
    is not open for this ticket now."""
    metadata: dict = {}
    options = reply_options(ticket, with_templates=bool(data.get("template")))
    if data.get("reply_via") == "private" and options.x_dm:
        metadata["x_dm"] = True  # X: a direct message to the person instead of a reply post
    elif data.get("reply_via") == "private":
        if options.private_reply_to is None:
            raise Invalid(
                _(
                    "A private reply is no longer possible: it must be sent once, within 7 days of the comment."
                )
            )
        metadata["private_reply_to"] = options.private_reply_to.external_id
    if data.get("human_agent"):
        if options.human_agent_until is None:
            raise Invalid(
                _("The human-agent tag can only be used within 7 days of the client's last message.")
            )
        metadata["messaging_tag"] = HUMAN_AGENT
    if data.get("template"):
        chosen = next((t for t in options.templates if t["key"] == data.get("template")), None)
        if chosen is None:
            raise Invalid(_("Choose one of the approved templates."))
        params = [str(p).strip() for p in data.getlist("template_param")][: chosen["parameters"]]
        if len(params) < chosen["parameters"] or not all(params):
            raise Invalid(
                _("Fill in every value of the template (%(count)s).") % {"count": chosen["parameters"]}
            )
        metadata["template"] = {"name": chosen["name"], "language": chosen["language"], "parameters": params}
        body = fill_template(chosen["body"], params)
    return metadata, body
