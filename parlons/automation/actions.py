"""What a rule's actions do: each one goes through the ticket services as the system, with
``via="rule:<id>"`` so that the history shows the rule and the rule does not re-trigger itself."""

from __future__ import annotations

from parlons.accounts.models import Team, User
from parlons.core.actors import SYSTEM
from parlons.tickets import services
from parlons.tickets.models import Ticket, Tracker


def perform(action: dict, ticket_id: int, *, rule_id: int, rule_name: str) -> None:
    """Run one action on a ticket (raises the service's error when it cannot be done)."""
    kind, value = action["type"], action.get("value")
    via = f"rule:{rule_id}"
    if kind == "add_tags":
        services.add_tags(ticket_id, services.tags_by_slug(value), actor=SYSTEM, via=via)
    elif kind == "remove_tags":
        services.remove_tags(ticket_id, services.tags_by_slug(value), actor=SYSTEM, via=via)
    elif kind == "assign_agent":
        user = User.objects.get(pk=value)
        services.update_ticket(ticket_id, services.Changes(assignee=user), actor=SYSTEM, via=via)
    elif kind == "assign_team":
        team = Team.objects.get(pk=value)
        services.update_ticket(ticket_id, services.Changes(team=team), actor=SYSTEM, via=via)
    elif kind == "set_priority":
        services.change_priority(ticket_id, value, actor=SYSTEM, via=via)
    elif kind == "set_status":
        services.change_status(ticket_id, value, actor=SYSTEM, via=via)
    elif kind == "mark_spam":
        services.mark_spam(ticket_id, True, actor=SYSTEM, via=via)
    elif kind == "add_note":
        services.add_note(ticket_id, value, actor=SYSTEM, via=via)
    elif kind == "add_to_tracker":
        services.add_to_tracker(ticket_id, Tracker.objects.get(pk=value), actor=SYSTEM, via=via)
    elif kind == "send_canned_reply":
        from parlons.tickets.models import CannedResponse

        canned = CannedResponse.objects.get(pk=value)
        ticket = Ticket.objects.select_related("channel_group", "contact").get(pk=ticket_id)
        language = ticket.language or ticket.channel_group.language or "en"
        # Placeholders ({contact_name}, {ticket_id}) filled like the composer does (agent: none, it is a rule).
        # The platform's rules apply as to any reply: outside a messaging window it is refused (``Invalid``,
        # nothing stored or queued) and ``execute`` records this action as failed.
        services.reply(ticket_id, services.render_canned(canned, ticket, language), actor=SYSTEM, via=via)
    elif kind == "notify":
        from parlons.notifications.services import notify

        ticket = Ticket.objects.get(pk=ticket_id)
        recipients = list(User.objects.filter(pk__in=value, is_active=True))
        notify(
            recipients,
            kind="rule.notify",
            context={
                "rule_id": rule_id,
                "rule": rule_name,
                "ticket_id": ticket.pk,
                "subject": ticket.subject,
            },
            ticket=ticket,
        )
    elif kind == "webhook":
        from parlons.integrations.models import WebhookEndpoint
        from parlons.integrations.services import queue_delivery

        ticket = Ticket.objects.select_related("channel_group__channel").get(pk=ticket_id)
        queue_delivery(
            WebhookEndpoint.objects.get(pk=value),
            "rule.triggered",
            {
                "rule": {"id": rule_id, "name": rule_name},
                "ticket": {
                    "id": ticket.pk,
                    "subject": ticket.subject,
                    "status": ticket.status,
                    "priority": ticket.priority,
                    "language": ticket.language,
                    "channel": ticket.channel_group.channel.platform,
                    "channel_group_id": ticket.channel_group_id,
                    "team_id": ticket.team_id,
                    "assignee_id": ticket.assignee_id,
                },
            },
        )
    else:  # validated documents never get here
        raise ValueError(f"unknown action {kind}")
