"""The bell (unread count) in the header and the broadcast banner on every page (included by web/base.html)."""

from django import template

register = template.Library()


@register.inclusion_tag("notifications/components/bell.html", takes_context=True)
def notification_bell(context):
    from parlons.notifications.services import unread_count

    user = context.get("user")
    unread = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"user": user, "unread": unread, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("notifications/components/banner.html", takes_context=True)
def broadcast_banner(context):
    from parlons.notifications.services import active_broadcasts

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"broadcasts": []}
    return {"broadcasts": list(active_broadcasts()), "user": user}


@register.simple_tag(takes_context=True)
def can_broadcast(context) -> bool:
    """Whether the signed-in user may send broadcasts (administrators)."""
    from parlons.accounts.permissions import ADMIN, has_perm

    user = context.get("user")
    return bool(user is not None and user.is_authenticated and has_perm(user, ADMIN))
