"""Template helpers of data exchange: who sees the "Import and export" entry in the side menu."""

from django import template

from parlons.accounts.permissions import ADMIN, EXPORT, MANAGE, has_perm

register = template.Library()


@register.filter
def exchange_in_menu(user) -> bool:
    """Holders of data.export who do not see the administration home (which links the screen already)."""
    return has_perm(user, EXPORT) and not (has_perm(user, ADMIN) or has_perm(user, MANAGE))
