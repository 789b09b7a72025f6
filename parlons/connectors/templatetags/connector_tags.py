"""The composer's reply options: the messaging window, the human-agent tag, WhatsApp templates, private
replies to comments (parlons.connectors.window)."""

from django import template

from parlons.connectors.window import reply_choices

register = template.Library()


@register.inclusion_tag("connectors/reply_options.html", takes_context=True)
def reply_options_panel(context, ticket):
    choices = reply_choices(ticket)
    request = context.get("request")
    posted = request.POST if request is not None and request.method == "POST" else {}
    return {
        "request": request,
        "user": context.get("user"),
        "param_slots": [
            str(n) for n in range(1, max((t["parameters"] for t in choices.templates), default=0) + 1)
        ],
        "choices": choices,
        "ticket": ticket,
        "posted_via": posted.get("reply_via", "public") if posted else "public",
        "posted_template": posted.get("template", "") if posted else "",
        "posted_human": bool(posted.get("human_agent")) if posted else False,
    }
