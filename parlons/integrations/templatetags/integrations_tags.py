"""The ticket page's chatbot hand-off badge and panel (OPS-2)."""

from django import template

from parlons.integrations.models import Handoff

register = template.Library()


def _handoffs(context, ticket):
    cache = context.render_context
    key = ("handoffs", ticket.pk)
    if key not in cache:
        cache[key] = list(Handoff.objects.filter(ticket=ticket).select_related("bot").order_by("created_at"))
    return cache[key]


@register.inclusion_tag("integrations/handoff_badge.html", takes_context=True)
def handoff_badge(context, ticket):
    return {"handoffs": _handoffs(context, ticket)}


@register.inclusion_tag("integrations/handoff_panel.html", takes_context=True)
def handoff_panel(context, ticket):
    return {"handoffs": _handoffs(context, ticket), "ticket": ticket}
