"""Template helpers of the automation screens: whether to show the "Rules" menu entry."""

from django import template

from parlons.accounts.permissions import ADMIN, MANAGE, has_perm

register = template.Library()


@register.filter
def can_see_rules(user) -> bool:
    return has_perm(user, ADMIN) or has_perm(user, MANAGE)
