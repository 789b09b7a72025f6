"""The ticket page (UI-3, OPS-1, OPS-3, OPS-4, OPS-5, OPS-11, OPS-15, OPS-17, OPS-18, OPS-19, OPS-24, ENV-6)
and its actions. Every change goes through the services; every POST redirects back (POST-redirect-GET)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.permissions import MANAGE, PUBLISH, WRITE, has_perm
from parlons.core.errors import Invalid, NotFound
from parlons.tickets.files import IncomingFile
from parlons.tickets.history import describe_many
from parlons.tickets.models import Attachment, Platform, Tag, Ticket, Tracker
from parlons.tickets.outbound import ReplyOptions, Template
from parlons.tickets.selectors import get_visible_ticket
from parlons.tickets.services import (
    UNSET,
    Changes,
    add_note,
    add_tags,
    add_to_tracker,
    remove_from_tracker,
    remove_tags,
    reply,
    resolve_refs,
    split_message,
    update_ticket,
)
from parlons.web.forms import ComposerForm, PropertiesForm
from parlons.web.views._common import friendly_errors

# History rows already shown as a message or a note in the conversation.
_SHOWN_AS_ITEMS = {"reply.sent", "note.added", "message.received"}
MAX_FILES = 5


def _timeline(ticket: Ticket, language: str) -> list[dict]:
    items = []
    for message in ticket.messages.select_related("author_user", "author_contact").prefetch_related(
        "attachments"
    ):
        items.append({"kind": "message", "at": message.created_at, "id": message.pk, "obj": message})
    for note in ticket.notes.select_related("author"):
        items.append({"kind": "note", "at": note.created_at, "id": note.pk, "obj": note})
    events = [e for e in ticket.events.select_related("actor") if e.kind not in _SHOWN_AS_ITEMS]
    for event, text in zip(events, describe_many(events, language), strict=True):
        items.append({"kind": "event", "at": event.created_at, "id": event.pk, "obj": event, "text": text})
    order = {"message": 0, "note": 1, "event": 2}
    items.sort(key=lambda i: (i["at"], order[i["kind"]], i["id"]))
    return items


def _ticket_context(
    request, ticket: Ticket, composer: ComposerForm | None = None, composer_errors=None
) -> dict:
    user = request.user
    language = get_language() or "en"
    contact = ticket.contact
    identities = list(contact.identities.all())
    ticket_tags = list(ticket.tags.all())
    trackers = list(ticket.trackers.all())
    properties = PropertiesForm(
        initial={
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee": ticket.assignee_id,
            "team": ticket.team_id,
            "channel_group": ticket.channel_group_id,
            "is_spam": ticket.is_spam,
        }
    )
    return {
        "ticket": ticket,
        "timeline": _timeline(ticket, language),
        "identities": identities,
        "previous_tickets": list(contact.tickets.exclude(pk=ticket.pk).order_by("-created_at")[:10]),
        "ticket_tags": ticket_tags,
        "all_tags": Tag.objects.filter(is_archived=False).only("slug", "name_en", "name_fr"),
        "trackers": trackers,
        "other_trackers": Tracker.objects.filter(is_archived=False).exclude(pk__in=[t.pk for t in trackers]),
        "properties": properties,
        "composer": composer or ComposerForm(initial={"mode": "reply"}),
        "composer_errors": composer_errors or [],
        "can_write": has_perm(user, WRITE),
        "can_publish": has_perm(user, PUBLISH),
        "can_manage": has_perm(user, MANAGE),
        "tag_language": "fr" if language.startswith("fr") else "en",
    }


@login_required
@friendly_errors
def ticket_page(request, pk: int):
    ticket = get_visible_ticket(request.user, pk)
    return render(request, "web/pages/ticket.html", _ticket_context(request, ticket))


def _back(ticket_id: int, anchor: str = ""):
    return redirect(f"/tickets/{ticket_id}/{anchor}")


def _reply_options(ticket: Ticket, data, files: list[IncomingFile]) -> ReplyOptions:
    """The composer's fields as ``ReplyOptions``: ``reply_via`` (``private``: a private reply to a comment, or
    a direct message on X), ``human_agent``, ``template`` (``name|language``) with its ``template_param``
    values in order, ``status_after``. Whether they are possible now is the platform's rule, checked by the
    reply service (``Connector.check_reply``), the same for the API and rules."""
    private = data.get("reply_via") == "private"
    on_x = ticket.channel_group.channel.platform == Platform.X
    template = None
    if data.get("template"):
        name, _sep, language = data["template"].partition("|")
        template = Template(name=name, language=language, parameters=tuple(data.getlist("template_param")))
    return ReplyOptions(
        template=template,
        human_agent=bool(data.get("human_agent")),
        private_reply=private and not on_x,
        x_dm=private and on_x,
        attachments=tuple(files),
        status_after=data.get("status_after", ""),
    )


@require_POST
@login_required
@friendly_errors
def compose(request, pk: int):
    """A reply (to the client, with attachments) or an internal note."""
    ticket = get_visible_ticket(request.user, pk)
    form = ComposerForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        body = form.cleaned_data["body"]
        uploads = request.FILES.getlist("attachments")
        try:
            if form.cleaned_data["mode"] == "note":
                if uploads:
                    raise Invalid(_("Internal notes cannot carry attachments."))
                add_note(ticket, body, actor=request.user)
                messages.success(request, _("Internal note added."))
            else:
                if len(uploads) > MAX_FILES:
                    raise Invalid(_("Attach at most %(max)s files.") % {"max": MAX_FILES})
                files = [
                    IncomingFile(filename=u.name, data=u.read(), declared_type=u.content_type or "")
                    for u in uploads
                ]
                for file in files:
                    file.checked()  # refused files are reported before anything is stored
                reply(ticket, body, actor=request.user, options=_reply_options(ticket, request.POST, files))
                messages.success(request, _("Reply queued for sending."))
            return _back(ticket.pk, "#composer")
        except Invalid as exc:
            errors.append(str(exc))
    else:
        errors.extend(str(e) for field in form.errors.values() for e in field)
    ticket = get_visible_ticket(request.user, pk)
    return render(
        request, "web/pages/ticket.html", _ticket_context(request, ticket, form, errors), status=400
    )


@require_POST
@login_required
@friendly_errors
def properties(request, pk: int):
    """Status, priority, assignee, team, channel group and spam; only what changed is sent to the service."""
    ticket = get_visible_ticket(request.user, pk)
    form = PropertiesForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errs)}"
            )
        return _back(ticket.pk)
    data = form.cleaned_data
    try:
        refs = resolve_refs(
            assignee_id=data["assignee"] if data["assignee"] != ticket.assignee_id else UNSET,
            team_id=data["team"] if data["team"] != ticket.team_id else UNSET,
            channel_group_id=data["channel_group"]
            if data["channel_group"] != ticket.channel_group_id
            else UNSET,
        )
        changes = Changes(**refs)
        if data["status"] != ticket.status:
            changes.status = data["status"]
        if data["priority"] != ticket.priority:
            changes.priority = data["priority"]
        if data["is_spam"] != ticket.is_spam:
            changes.is_spam = data["is_spam"]
        if not changes.is_empty():
            update_ticket(ticket, changes, actor=request.user)
            messages.success(request, _("Ticket updated."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return _back(ticket.pk)


def _find_tag(text: str) -> Tag:
    text = (text or "").strip()
    tag = Tag.objects.filter(Q(slug=text) | Q(name_en__iexact=text) | Q(name_fr__iexact=text)).first()
    if tag is None:
        raise Invalid(_("Unknown tag “%(tag)s”.") % {"tag": text})
    return tag


@require_POST
@login_required
@friendly_errors
def ticket_tags(request, pk: int):
    """Add a tag by code or name, or remove one (OPS-3, OPS-5)."""
    ticket = get_visible_ticket(request.user, pk)
    try:
        if request.POST.get("remove"):
            remove_tags(ticket, [_find_tag(request.POST["remove"])], actor=request.user)
            messages.success(request, _("Tag removed."))
        else:
            add_tags(ticket, [_find_tag(request.POST.get("tag", ""))], actor=request.user)
            messages.success(request, _("Tag added."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return _back(ticket.pk, "#tags")


@require_POST
@login_required
@friendly_errors
def ticket_trackers(request, pk: int):
    """Add the ticket to a tracker or take it out (OPS-18)."""
    ticket = get_visible_ticket(request.user, pk)
    try:
        tracker_id = int(request.POST.get("remove") or request.POST.get("tracker") or 0)
        tracker = Tracker.objects.filter(pk=tracker_id).first()
        if tracker is None:
            raise Invalid(_("Choose a tracker."))
        if request.POST.get("remove"):
            remove_from_tracker(ticket, tracker, actor=request.user)
        else:
            add_to_tracker(ticket, tracker, actor=request.user)
        messages.success(request, _("Trackers updated."))
    except ValueError:
        messages.error(request, _("Choose a tracker."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return _back(ticket.pk, "#trackers")


@require_POST
@login_required
@friendly_errors
def split(request, pk: int, message_id: int):
    """Move a message from the client out into a new ticket (OPS-1)."""
    ticket = get_visible_ticket(request.user, pk)
    if not ticket.messages.filter(pk=message_id).exists():
        raise NotFound()
    try:
        new = split_message(message_id, actor=request.user)
    except Invalid as exc:
        messages.error(request, str(exc))
        return _back(ticket.pk)
    messages.success(request, _("The message is now ticket #%(id)s.") % {"id": new.pk})
    return redirect(f"/tickets/{new.pk}/")


@login_required
@friendly_errors
def attachment(request, pk: int):
    """An attachment, only to someone who may read its ticket; never served straight from MEDIA."""
    item = Attachment.objects.select_related("message").filter(pk=pk).first()
    if item is None or not item.file:
        raise NotFound()
    get_visible_ticket(request.user, item.message.ticket_id)
    inline = item.content_type.startswith("image/")
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=not inline, filename=item.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
