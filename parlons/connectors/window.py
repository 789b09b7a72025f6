"""What a reply may be on each platform right now (issue "Channels I", items 3-5; X mentions, issue 6).

Messenger and Instagram direct messages accept free-form replies for 24 hours after the person's last message;
within 7 days a human agent may still answer with the ``HUMAN_AGENT`` message tag. WhatsApp accepts free-form
replies for 24 hours; outside that window only an approved message template can be sent. A Facebook or
Instagram comment can be answered publicly, or once, privately by direct message, within 7 days of the comment.
An X mention can be answered by a reply post or by a direct message (if the person accepts them).

``reply_choices`` tells the composer what to offer now. The rules below are what each connector's
``check_reply`` applies to the agent's ``ReplyOptions`` before anything is stored or queued, whichever transport
asks (page, API, rule); they return the reply's ``metadata``, which the connectors read when sending (and check
again: a reply accepted inside the window but sent after it is refused with the platform's rule, not silently
dropped).
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
from parlons.tickets.outbound import CheckedReply, ReplyOptions

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
HUMAN_AGENT = "HUMAN_AGENT"
WINDOW_PLATFORMS = {"messenger", "instagram", "whatsapp"}
PRIVATE_REPLY_PLATFORMS = {"facebook", "instagram"}
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


@dataclass
class ReplyChoices:
    """What a reply to the ticket may be now (what the composer offers)."""

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


def reply_choices(
    ticket: Ticket, now: datetime | None = None, *, with_templates: bool = True
) -> ReplyChoices:
    now = now or timezone.now()
    platform = ticket.channel_group.channel.platform
    choices = ReplyChoices(platform=platform)
    last = _last_inbound(ticket)
    if platform in WINDOW_PLATFORMS and _is_direct(ticket, platform):
        choices.has_window = True
        choices.last_in_at = last.created_at if last else None
        choices.closes_at = last.created_at + WINDOW if last else None
        choices.is_open = bool(last and now < choices.closes_at)
        if not choices.is_open and last and platform in ("messenger", "instagram"):
            until = last.created_at + HUMAN_AGENT_WINDOW
            if now < until:
                choices.human_agent_until = until
        if not choices.is_open and platform == "whatsapp" and with_templates:
            choices.templates, choices.templates_error = whatsapp_templates(ticket.channel_group)
    elif platform == "x" and ticket.kind == MessageKind.MENTION and last is not None:
        choices.x_dm = True
    elif (
        platform in PRIVATE_REPLY_PLATFORMS
        and ticket.kind == MessageKind.COMMENT
        and last
        and last.external_id
    ):
        until = last.created_at + PRIVATE_REPLY_WINDOW
        if now < until and not private_reply_used(last):
            choices.private_reply_to = last
            choices.private_reply_until = until
    return choices


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


# --- the rules each connector's ``check_reply`` applies ---------------------------------------------
# Each refusal has a stable code (the API's ``code``) and says what the agent can do instead.
OPTIONS = ("template", "human_agent", "private_reply", "x_dm")


def _unavailable(option: str, code: str = "") -> Invalid:
    messages = {
        "template": _("Choose one of the approved templates."),
        "human_agent": _("The human-agent tag can only be used within 7 days of the client's last message."),
        "private_reply": _(
            "A private reply is no longer possible: it must be sent once, within 7 days of the comment."
        ),
        "x_dm": _("Only a mention on X can be answered by direct message."),
    }
    return Invalid(messages[option], code=code or f"{option}_unavailable", details={"field": option})


def refuse_unoffered(options: ReplyOptions, *, offered: tuple[str, ...] = ()) -> None:
    """Refuse the options this platform never offers (an API caller may ask for any of them)."""
    for option in OPTIONS:
        asked = options.template is not None if option == "template" else getattr(options, option)
        if asked and option not in offered:
            raise _unavailable(option)


def _window_closed(choices: ReplyChoices) -> Invalid:
    if choices.human_agent_until is not None:
        message = _(
            "The 24-hour reply window is closed: send the reply with the human-agent tag (allowed within 7 days "
            "of the client's last message)."
        )
    elif choices.platform == "whatsapp":
        message = _("The 24-hour reply window is closed: WhatsApp now only delivers an approved template.")
    else:
        message = _(
            "This reply cannot be sent: the platform only accepts replies within 24 hours of the client's "
            "last message. Wait for the client to write again, or contact them another way."
        )
    closed_at = choices.closes_at.isoformat() if choices.closes_at else None
    return Invalid(message, code="outside_window", details={"closed_at": closed_at})


def check_messaging_reply(ticket: Ticket, options: ReplyOptions, *, now: datetime | None = None) -> dict:
    """Messenger and Instagram direct messages: free text within 24 hours of the client's last message, then
    with the human-agent tag within 7 days. Returns the reply's metadata."""
    refuse_unoffered(options, offered=("human_agent",))
    choices = reply_choices(ticket, now, with_templates=False)
    if options.human_agent:
        if choices.human_agent_until is None:
            raise _unavailable("human_agent")
        return {"messaging_tag": HUMAN_AGENT}
    if not choices.is_open:
        raise _window_closed(choices)
    return {}


def check_whatsapp_reply(
    ticket: Ticket, body: str, options: ReplyOptions, *, now: datetime | None = None
) -> CheckedReply:
    """WhatsApp: free text within 24 hours of the client's last message; an approved template at any time,
    with every value of its placeholders (its text, filled in, is what is stored). Asks WhatsApp for the
    approved templates when one is chosen."""
    refuse_unoffered(options, offered=("template",))
    if options.template is None:
        choices = reply_choices(ticket, now, with_templates=False)
        if not choices.is_open:
            raise _window_closed(choices)
        return CheckedReply(body=body)
    asked = options.template
    templates, error = whatsapp_templates(ticket.channel_group)
    chosen = next((t for t in templates if (t["name"], t["language"]) == (asked.name, asked.language)), None)
    if chosen is None:
        if error:
            raise Invalid(error, code="templates_unavailable", details={"field": "template"})
        raise _unavailable("template", "unknown_template")
    params = [str(p).strip() for p in asked.parameters][: chosen["parameters"]]
    if len(params) < chosen["parameters"] or not all(params):
        raise Invalid(
            _("Fill in every value of the template (%(count)s).") % {"count": chosen["parameters"]},
            code="template_parameters",
            details={"field": "template.parameters", "count": chosen["parameters"]},
        )
    if options.attachments:
        raise Invalid(
            _("An approved template is sent alone: remove the attachments."),
            code="template_attachments",
            details={"field": "attachments"},
        )
    return CheckedReply(
        body=fill_template(chosen["body"], params),
        metadata={"template": {"name": chosen["name"], "language": chosen["language"], "parameters": params}},
    )


def check_comment_reply(ticket: Ticket, options: ReplyOptions, *, now: datetime | None = None) -> dict:
    """Facebook and Instagram comments: answered publicly, or privately by direct message once per comment,
    within 7 days of it. Returns the reply's metadata."""
    refuse_unoffered(options, offered=("private_reply",))
    if not options.private_reply:
        return {}
    choices = reply_choices(ticket, now, with_templates=False)
    if choices.private_reply_to is None:
        last = _last_inbound(ticket)
        used = last is not None and bool(last.external_id) and private_reply_used(last)
        raise _unavailable("private_reply", "private_reply_used" if used else "")
    return {"private_reply_to": choices.private_reply_to.external_id}


def check_x_dm(ticket: Ticket, options: ReplyOptions) -> dict:
    """An X mention may be answered by direct message instead of a reply post. Returns the metadata."""
    refuse_unoffered(options, offered=("x_dm",))
    if not options.x_dm:
        return {}
    if not reply_choices(ticket, with_templates=False).x_dm:
        raise _unavailable("x_dm")
    return {"x_dm": True}
