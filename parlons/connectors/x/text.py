"""How long a post is for X: the weighted length of the twitter-text v3 rules (URLs count 23, most CJK
characters and emoji count 2, other characters 1; 280 is the limit), from the ``twitter-text-parser`` port that
passes the official conformance suite. The composer's counter (``xcount.js``) is an approximation for display;
this module decides."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parlons.core.errors import Invalid

MAX_POST_LENGTH = 280
MAX_DM_LENGTH = 10000


def weighted_length(text: str) -> int:
    from twitter_text import parse_tweet

    return parse_tweet(text or "").weightedLength


def check_post(text: str) -> int:
    """The weighted length of a reply post, or ``Invalid`` (before anything is sent) when X would refuse it."""
    length = weighted_length(text)
    if length > MAX_POST_LENGTH:
        over = length - MAX_POST_LENGTH
        raise Invalid(
            ngettext(
                "A reply on X is limited to %(max)s characters as X counts them; this one is %(over)s "
                "character too long.",
                "A reply on X is limited to %(max)s characters as X counts them; this one is %(over)s "
                "characters too long.",
                over,
            )
            % {"max": MAX_POST_LENGTH, "over": over},
            code="too_long_for_x",
            details={"field": "body", "length": length, "max": MAX_POST_LENGTH},
        )
    return length


def check_dm(text: str) -> int:
    length = len(text or "")
    if length > MAX_DM_LENGTH:
        raise Invalid(
            _("A direct message on X is limited to %(max)s characters.") % {"max": MAX_DM_LENGTH},
            code="too_long_for_x",
            details={"field": "body", "length": length, "max": MAX_DM_LENGTH},
        )
    return length
