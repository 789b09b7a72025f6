"""``{% sla_ticket_panel ticket %}``: the ticket page's service-standard due times and "remind me" form."""

from django import template

register = template.Library()


@register.inclusion_tag("web/pages/sla_ticket.html", takes_context=True)
def sla_ticket_panel(context, ticket):
    from parlons.web.views.sla import ticket_panel_context

    request = context["request"]
    data = ticket_panel_context(request, ticket)
    data.update({"request": request, "ticket": ticket, "csrf_token": context.get("csrf_token")})
    return data


@register.filter
def can_set_reminders(user) -> bool:
    """Whether the side nav shows "My reminders" (people who read tickets)."""
    from parlons.accounts.permissions import READ, has_perm

    return has_perm(user, READ)
