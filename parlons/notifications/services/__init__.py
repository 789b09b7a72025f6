"""Notifications (OPS-7, OPS-13, DOC-3): the one way the rest of Parlons tells a person something.

``notify(recipients, kind, context=..., ticket=..., actor=...)`` stores one ``Notification`` per recipient in the
caller's transaction; after the commit each one is delivered per the recipient's preferences: pushed to their
open browsers (websocket group ``user.<id>``) and/or e-mailed in their language. E-mails are batched: the first
goes at once, the rest wait for one digest per user per ``digest_minutes`` (``jobs.py``), so nobody gets 100
mails in a minute. Mute silences desktop and e-mail; "do not disturb until" silences the desktop and holds the
e-mails until it ends.

The e-mail helpers (``render_email``, ``send_templated_email``) are shared by every area that sends mail: each
message is rendered from ``<base>_subject.txt``, ``<base>.txt`` and ``<base>.html`` in the recipient's language.

The package's modules follow the sections of the work: ``mail`` (e-mail rendering), ``preferences``,
``notifying`` (``notify``, the in-page list, clean-up), ``delivery`` (describing, pushing, e-mailing, digests)
and ``broadcasts``. Callers import from here; a test that replaces ``push`` or ``_enqueue_email`` replaces it
in ``delivery``, where ``_deliver_one`` looks it up.
"""

from parlons.notifications.services.broadcasts import (
    PLANNED_NOTICE,
    active_broadcasts,
    create_broadcast,
    end_broadcast,
)
from parlons.notifications.services.delivery import (
    MAX_DIGEST_ITEMS,
    deliver,
    describe,
    push,
    run_digests,
    send_digest_for,
    send_email_for,
    unread_count,
)
from parlons.notifications.services.mail import render_email, send_templated_email, site_url
from parlons.notifications.services.notifying import (
    DELIVER_INLINE_MAX,
    KEEP_READ,
    KEEP_UNREAD,
    clean_up,
    mark_read,
    notify,
)
from parlons.notifications.services.preferences import (
    DEFAULT_CHANNELS,
    KINDS,
    TUNABLE_KINDS,
    channels_for,
    is_quiet,
    preference_for,
    system_settings,
    update_preferences,
    update_system_settings,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DELIVER_INLINE_MAX",
    "KEEP_READ",
    "KEEP_UNREAD",
    "KINDS",
    "MAX_DIGEST_ITEMS",
    "PLANNED_NOTICE",
    "TUNABLE_KINDS",
    "active_broadcasts",
    "channels_for",
    "clean_up",
    "create_broadcast",
    "deliver",
    "describe",
    "end_broadcast",
    "is_quiet",
    "mark_read",
    "notify",
    "preference_for",
    "push",
    "render_email",
    "run_digests",
    "send_digest_for",
    "send_email_for",
    "send_templated_email",
    "site_url",
    "system_settings",
    "unread_count",
    "update_preferences",
    "update_system_settings",
]
