"""Auto-tagging (OPS-25): the tags added when a message, a note or a reply contains their keywords."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.automation import engine
from parlons.automation.models import AutoTag
from parlons.automation.schemas import MAX_KEYWORD_LENGTH, MAX_KEYWORDS
from parlons.automation.services._common import _changed
from parlons.core.actors import SYSTEM
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.core.event_types import AutoTagCreated, AutoTagDeleted, AutoTagUpdated
from parlons.tickets.models import Tag, Ticket


def _clean_keywords(value, field_name: str) -> list[str]:
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    words = list(dict.fromkeys(str(w).strip() for w in (value or []) if str(w).strip()))
    if len(words) > MAX_KEYWORDS:
        raise Invalid(_("At most %(max)s words.") % {"max": MAX_KEYWORDS}, details={"field": field_name})
    if any(len(w) > MAX_KEYWORD_LENGTH for w in words):
        raise Invalid(
            _("A word is longer than %(max)s characters.") % {"max": MAX_KEYWORD_LENGTH},
            details={"field": field_name},
        )
    return words


def _auto_tag_fields(tag_slug, keywords_en, keywords_fr, sources) -> dict:
    tag = Tag.objects.filter(slug=str(tag_slug or "").strip()).first()
    if tag is None:
        raise Invalid(_("Unknown tags: %(tags)s") % {"tags": tag_slug}, details={"field": "tag"})
    if tag.is_archived:
        raise Invalid(
            _("Archived tags cannot be added: %(tags)s") % {"tags": tag.slug}, details={"field": "tag"}
        )
    en = _clean_keywords(keywords_en, "keywords_en")
    fr = _clean_keywords(keywords_fr, "keywords_fr")
    if not en and not fr:
        raise Invalid(_("Give at least one word."), details={"field": "keywords_en"})
    sources = set(sources or ())
    unknown = sources - {"messages", "notes", "replies"}
    if unknown or not sources:
        raise Invalid(_("Choose where to look: messages, notes, replies."), details={"field": "sources"})
    return {
        "tag": tag,
        "keywords_en": en,
        "keywords_fr": fr,
        "on_messages": "messages" in sources,
        "on_notes": "notes" in sources,
        "on_replies": "replies" in sources,
    }


@atomic
def create_auto_tag(
    *,
    actor,
    via: str = "web",
    tag: str,
    keywords_en=(),
    keywords_fr=(),
    sources=("messages", "notes", "replies"),
    is_enabled=True,
) -> AutoTag:
    require(actor, ADMIN)
    auto = AutoTag.objects.create(
        **_auto_tag_fields(tag, keywords_en, keywords_fr, sources), is_enabled=bool(is_enabled)
    )
    _changed(AutoTagCreated, actor, via, id=auto.pk)
    return auto


@atomic
def update_auto_tag(
    auto: AutoTag,
    *,
    actor,
    via: str = "web",
    tag: str,
    keywords_en=(),
    keywords_fr=(),
    sources=(),
    is_enabled=True,
) -> AutoTag:
    require(actor, ADMIN)
    for key, value in _auto_tag_fields(tag, keywords_en, keywords_fr, sources).items():
        setattr(auto, key, value)
    auto.is_enabled = bool(is_enabled)
    auto.save()
    _changed(AutoTagUpdated, actor, via, id=auto.pk)
    return auto


@atomic
def delete_auto_tag(auto: AutoTag, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    pk = auto.pk
    AutoTag.objects.filter(pk=pk).delete()
    _changed(AutoTagDeleted, actor, via, id=pk)


def apply_auto_tags(
    ticket_id: int, text: str, *, source: str, rule_set=None, facts: engine.Facts | None = None
) -> list[str]:
    """Add the tags whose keywords the text contains (source: "in" message, "out" reply, "note").
    Returns the slugs added. ``facts``: the ticket's facts of the event, whose tags are used when they are
    already read (and still true)."""
    items = (rule_set or engine.current()).auto_tags
    if not items or not text:
        return []
    from parlons.search.text import fold

    folded = fold(text[: engine.MAX_TEXT])
    wanted = [
        (tag_id, slug) for tag_id, slug, sources, regex in items if source in sources and regex.search(folded)
    ]
    if not wanted:
        return []
    present = facts.known_tag_slugs() if facts is not None else None
    if present is None:
        present = set(
            Ticket.tags.through.objects.filter(ticket_id=ticket_id).values_list("tag__slug", flat=True)
        )
    to_add = [tag_id for tag_id, slug in wanted if slug not in present]
    if not to_add:
        return []
    from parlons.tickets.services import add_tags

    tags = list(Tag.objects.filter(pk__in=to_add))
    add_tags(ticket_id, tags, actor=SYSTEM, via="autotag")
    return [t.slug for t in tags]
