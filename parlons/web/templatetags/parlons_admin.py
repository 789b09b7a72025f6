"""Template helpers of the administration screens: who sees the Administration entry, and the name of a
bilingual object (tag, tag group, line of business, role) in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def can_administer(user) -> bool:
    from parlons.web.views.admin._base import can_administer as check

    return check(user)


@register.filter
def localized(obj, field: str = "name") -> str:
    """``obj.<field>_fr`` on French pages, ``obj.<field>_en`` otherwise."""
    if obj is None:
        return ""
    suffix = "fr" if (get_language() or "").startswith("fr") else "en"
    return getattr(obj, f"{field}_{suffix}", "") or getattr(obj, f"{field}_en", "")


@register.filter
def other_language_name(obj, field: str = "name") -> str:
    """The name in the other official language (shown beside the first, marked with its ``lang``)."""
    suffix = "en" if (get_language() or "").startswith("fr") else "fr"
    return getattr(obj, f"{field}_{suffix}", "")
