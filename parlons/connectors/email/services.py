"""Settings of an e-mail mailbox that are not secret: its bilingual signature (the server login is in the
channel group's encrypted credentials, set through the catalogue services)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.connectors.email.models import MailboxSettings
from parlons.core.errors import Invalid
from parlons.tickets.models import ChannelGroup, Platform

MAX_SIGNATURE = 2000


@transaction.atomic
def set_signature(group: ChannelGroup, *, actor, signature_en: str, signature_fr: str) -> MailboxSettings:
    """The signature appended to replies from this mailbox, in the ticket's language (both when it is not
    known). Needs system.admin."""
    require(actor, ADMIN)
    if group.channel.platform != Platform.EMAIL:
        raise Invalid(_("Only an e-mail mailbox has a signature."), code="not_email")
    en, fr = (signature_en or "").strip(), (signature_fr or "").strip()
    if len(en) > MAX_SIGNATURE or len(fr) > MAX_SIGNATURE:
        raise Invalid(
            _("A signature is longer than %(max)s characters.") % {"max": MAX_SIGNATURE}, code="too_long"
        )
    settings, _created = MailboxSettings.objects.update_or_create(
        channel_group=group, defaults={"signature_en": en, "signature_fr": fr}
    )
    return settings
