"""The agent's "Try sending again" on a reply that failed (issue "Channels I", item 7)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.connectors.services import retry_failed_reply
from parlons.core.errors import Invalid, NotFound
from parlons.tickets.models import Message
from parlons.web.views._common import friendly_errors


@require_POST
@login_required
@friendly_errors
def retry_message(request, pk: int, message_id: int):
    if not Message.objects.filter(pk=message_id, ticket_id=pk).exists():
        raise NotFound()
    try:
        retry_failed_reply(message_id, actor=request.user)
        messages.success(request, _("The reply is queued to be sent again."))
    except Invalid as exc:
        messages.error(request, str(exc))
    return redirect(f"/tickets/{pk}/#message-{message_id}")
