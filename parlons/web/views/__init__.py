"""Web pages (thin: parse, call a selector or service, render)."""

from parlons.web.views.frame import healthz, switch_language
from parlons.web.views.lists import bulk, inbox
from parlons.web.views.ticket import (
    attachment,
    compose,
    properties,
    split,
    ticket_page,
    ticket_tags,
    ticket_trackers,
)
from parlons.web.views.trackers import tracker_detail, tracker_list, tracker_rename

home = inbox

__all__ = [
    "attachment",
    "bulk",
    "compose",
    "healthz",
    "home",
    "inbox",
    "properties",
    "split",
    "switch_language",
    "ticket_tags",
    "ticket_page",
    "tracker_detail",
    "tracker_list",
    "tracker_rename",
    "ticket_trackers",
]
