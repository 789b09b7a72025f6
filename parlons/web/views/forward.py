"""Forward a ticket by e-mail to someone outside Parlons (OPS-20) and download a ticket as an ``.eml`` file that
Outlook opens (ENV-5). Thin: the work is in ``parlons.connectors.email``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parlons.accounts.permissions import WRITE, require
from parlons.connectors.email.eml import ticket_to_eml
from parlons.connectors.email.models import Forward
from parlons.connectors.email.services import forward_ticket
from parlons.core.errors import Invalid
from parlons.tickets.models import Attachment
from parlons.tickets.selectors import get_visible_ticket
from parlons.web.views._common import friendly_errors


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@login_required
@friendly_errors
def forward(request, pk: int):
    """GET: the form (messages and attachments ticked by default). POST: queue the e-mail, back to the ticket."""
    ticket = get_visible_ticket(request.user, pk)
    require(request.user, WRITE)
    ticket_messages = list(
        ticket.messages.filter(deleted_at__isnull=True)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )
    errors: list[str] = []
    values = {"to": "", "note": "", "messages": [m.pk for m in ticket_messages], "attachments": None}
    if request.method == "POST":
        values = {
            "to": request.POST.get("to", "").strip(),
            "note": request.POST.get("note", ""),
            "messages": _ids(request.POST.getlist("messages")),
            "attachments": _ids(request.POST.getlist("attachments")),
        }
        try:
            forward_ticket(
                ticket,
                actor=request.user,
                to=values["to"],
                note=values["note"],
                message_ids=values["messages"],
                attachment_ids=values["attachments"],
            )
        except Invalid as exc:
            errors.append(str(exc.message))
        else:
            messages.success(
                request, _("The ticket was forwarded to %(address)s.") % {"address": values["to"]}
            )
            return redirect(f"/tickets/{ticket.pk}/")
    attachments = list(Attachment.objects.filter(message__ticket=ticket).order_by("pk"))
    chosen_files = values["attachments"]
    if chosen_files is None:
        chosen_files = [a.pk for a in attachments]
    return render(
        request,
        "web/pages/forward.html",
        {
            "ticket": ticket,
            "ticket_messages": ticket_messages,
            "attachments": attachments,
            "values": values,
            "chosen_files": chosen_files,
            "errors": errors,
            "forwards": Forward.objects.filter(ticket=ticket).select_related("created_by")[:20],
        },
        status=400 if errors else 200,
    )


@login_required
@friendly_errors
def ticket_eml(request, pk: int):
    """The whole ticket (messages and attachments) as one ``.eml`` file; needs tickets.read."""
    ticket = get_visible_ticket(request.user, pk)
    response = HttpResponse(ticket_to_eml(ticket), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="ticket-{ticket.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
