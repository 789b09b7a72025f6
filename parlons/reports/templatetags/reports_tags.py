"""Template helpers of the reports: who sees the side-nav link."""

from __future__ import annotations

from django import template

from parlons.accounts.permissions import REPORTS, has_perm

register = template.Library()


@register.filter
def can_view_reports(user) -> bool:
    return has_perm(user, REPORTS)
