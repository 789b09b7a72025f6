"""Administration of the catalogue agents work with: tags, tag groups, lines of business, trackers and
channel groups, canned responses (ADM-8, OPS-16, OPS-18, BEY-4)."""

from __future__ import annotations

import re

from django.db import IntegrityError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parlons.accounts.permissions import ADMIN, MANAGE, WRITE, require
from parlons.core.actors import actor_user
from parlons.core.crypto import encrypt_json
from parlons.core.db import atomic
from parlons.core.errors import Conflict, Invalid
from parlons.core.event_types import (
    CannedResponseCreated,
    CannedResponseDeleted,
    CannedResponseUpdated,
    ChannelGroupCreated,
    GroupSetCreated,
    TagCreated,
    TagDeleted,
    TagUpdated,
    TrackerCreated,
)
from parlons.core.events import publish
from parlons.tickets.models import (
    CannedResponse,
    Channel,
    ChannelGroup,
    GroupSet,
    LineOfBusiness,
    Platform,
    Tag,
    TagGroup,
    TicketTag,
    Tracker,
)
from parlons.tickets.services._common import record, tag_ref


def _names(name_en: str, name_fr: str) -> tuple[str, str]:
    name_en, name_fr = (name_en or "").strip(), (name_fr or "").strip()
    if not name_en or not name_fr:
        raise Invalid(_("Give both the English and the French name."), code="names_required")
    return name_en[:120], name_fr[:120]


def _slug(wanted: str, fallback: str) -> str:
    slug = slugify(wanted or fallback)[:80]
    if not slug:
        raise Invalid(_("The name must contain letters or digits."), code="bad_slug")
    return slug


def _save_unique(obj, message: str):
    try:
        with atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(message, code="duplicate")
    return obj


# --- lines of business and tag groups --------------------------------------------------------------
@atomic
def create_line_of_business(*, actor, name_en: str, name_fr: str, slug: str = "") -> LineOfBusiness:
    """Create a line of business (OPS-16). Needs tickets.manage."""
    require(actor, MANAGE)
    name_en, name_fr = _names(name_en, name_fr)
    lob = LineOfBusiness(slug=_slug(slug, name_en), name_en=name_en, name_fr=name_fr)
    return _save_unique(lob, _("A line of business with this identifier already exists."))


@atomic
def create_tag_group(
    *,
    actor,
    name_en: str,
    name_fr: str,
    slug: str = "",
    parent: TagGroup | None = None,
    line_of_business: LineOfBusiness | None = None,
) -> TagGroup:
    """Create a tag group, or a subgroup when ``parent`` is given (SRCH-7). Needs tickets.manage."""
    require(actor, MANAGE)
    name_en, name_fr = _names(name_en, name_fr)
    if parent is not None and parent.parent_id is not None:
        raise Invalid(_("Subgroups cannot have subgroups of their own."), code="nesting")
    group = TagGroup(
        slug=_slug(slug, name_en),
        name_en=name_en,
        name_fr=name_fr,
        parent=parent,
        line_of_business=line_of_business or (parent.line_of_business if parent else None),
    )
    return _save_unique(group, _("A tag group with this identifier already exists."))


@atomic
def update_line_of_business(
    lob: LineOfBusiness, *, actor, name_en: str | None = None, name_fr: str | None = None, is_archived=None
) -> LineOfBusiness:
    """Rename or archive a line of business (OPS-16). Needs tickets.manage. The slug stays (search uses it)."""
    require(actor, MANAGE)
    lob.name_en, lob.name_fr = _names(
        lob.name_en if name_en is None else name_en, lob.name_fr if name_fr is None else name_fr
    )
    if is_archived is not None:
        lob.is_archived = bool(is_archived)
    lob.save()
    return lob


_UNSET = object()


@atomic
def update_tag_group(
    group: TagGroup,
    *,
    actor,
    name_en: str | None = None,
    name_fr: str | None = None,
    line_of_business=_UNSET,
) -> TagGroup:
    """Rename a tag group or subgroup, or change its line of business (SRCH-7). Needs tickets.manage. The
    slug stays (search uses it: ``taggroup:slug``)."""
    require(actor, MANAGE)
    group.name_en, group.name_fr = _names(
        group.name_en if name_en is None else name_en, group.name_fr if name_fr is None else name_fr
    )
    if line_of_business is not _UNSET:
        group.line_of_business = line_of_business
    group.save()
    return group


# --- tags -----------------------------------------------------------------------------------------
@atomic
def create_tag(
    *,
    actor,
    via: str = "web",
    name_en: str,
    name_fr: str,
    slug: str = "",
    group: TagGroup | None = None,
    line_of_business: LineOfBusiness | None = None,
) -> Tag:
    """Create a tag ("descripteur") with both names (ADM-8). Needs tickets.write: agents create tags as they
    work (OPS-5); renaming, archiving and deleting need tickets.manage. Publishes ``tag.created``."""
    require(actor, WRITE)
    name_en, name_fr = _names(name_en, name_fr)
    tag = Tag(
        slug=_slug(slug, name_en),
        name_en=name_en,
        name_fr=name_fr,
        group=group,
        line_of_business=line_of_business or (group.line_of_business if group else None),
    )
    _save_unique(tag, _("A tag “%(slug)s” already exists.") % {"slug": tag.slug})
    publish(TagCreated(actor_id=getattr(actor, "pk", None), id=tag.pk, via=via))
    return tag


_TAG_FIELDS = {"name_en", "name_fr", "group", "line_of_business", "is_archived"}


@atomic
def update_tag(tag: Tag, *, actor, via: str = "web", **fields) -> Tag:
    """Rename, regroup, archive or unarchive a tag (ADM-8). Needs tickets.manage. History rows keep the names
    they were written with, so a rename never rewrites the past."""
    require(actor, MANAGE)
    unknown = set(fields) - _TAG_FIELDS
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "name_en" in fields or "name_fr" in fields:
        fields["name_en"], fields["name_fr"] = _names(
            fields.get("name_en", tag.name_en), fields.get("name_fr", tag.name_fr)
        )
    for name, value in fields.items():
        setattr(tag, name, value)
    tag.save()
    publish(TagUpdated(actor_id=getattr(actor, "pk", None), id=tag.pk, via=via))
    return tag


@atomic
def delete_tag(tag: Tag, *, actor, confirm: bool = False, via: str = "web") -> int:
    """Delete a tag (ADM-8). A tag in use is deleted only with ``confirm=True``; every ticket that had it gets
    a ``tags.removed`` history row carrying the tag's names, so history stays readable. Needs tickets.manage.
    Returns the number of tickets it was removed from."""
    require(actor, MANAGE)
    in_use = list(
        TicketTag.objects.filter(tag=tag).select_related("ticket").values_list("ticket_id", flat=True)
    )
    if in_use and not confirm:
        raise Conflict(
            ngettext(
                "This tag is on %(count)s ticket. Confirm to delete it anyway, or archive it instead.",
                "This tag is on %(count)s tickets. Confirm to delete it anyway, or archive it instead.",
                len(in_use),
            )
            % {"count": len(in_use)},
            code="tag_in_use",
            details={"tickets": len(in_use)},
        )
    ref = tag_ref(tag)
    from parlons.tickets.models import Ticket

    for ticket in Ticket.objects.filter(pk__in=in_use).iterator():
        record(ticket, "tags.removed", actor=actor, via=via, tags=[ref], reason="tag_deleted")
    tag.delete()
    publish(TagDeleted(actor_id=getattr(actor, "pk", None), id=ref["id"], tickets=len(in_use), via=via))
    return len(in_use)


# --- trackers -------------------------------------------------------------------------------------
@atomic
def create_tracker(*, actor, via: str = "web", name: str, description: str = "") -> Tracker:
    """Create a tracker (OPS-18). Needs tickets.manage."""
    require(actor, MANAGE)
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A tracker needs a name."), details={"field": "name"})
    tracker = Tracker.objects.create(name=name[:200], description=description, created_by=actor_user(actor))
    publish(TrackerCreated(actor_id=getattr(actor, "pk", None), id=tracker.pk, via=via))
    return tracker


@atomic
def update_tracker(tracker: Tracker, *, actor, **fields) -> Tracker:
    require(actor, MANAGE)
    for name, value in fields.items():
        if name not in {"name", "description", "is_archived"}:
            raise Invalid(_("Unknown fields: %(fields)s") % {"fields": name})
        if name == "name" and not (value or "").strip():
            raise Invalid(_("A tracker needs a name."), details={"field": "name"})
        setattr(tracker, name, value)
    tracker.save()
    return tracker


@atomic
def delete_tracker(tracker: Tracker, *, actor) -> None:
    require(actor, MANAGE)
    tracker.delete()


# --- groups spread across channels ---------------------------------------------------------------
@atomic
def create_group_set(
    *, actor, via: str = "web", name_en: str, name_fr: str, groups: list[ChannelGroup] | None = None
) -> GroupSet:
    """Gather channel groups of several channels under one name (OPS-1). Needs system.admin."""
    require(actor, ADMIN)
    name_en, name_fr = _names(name_en, name_fr)
    group_set = GroupSet.objects.create(name_en=name_en, name_fr=name_fr)
    if groups:
        group_set.groups.set(groups)
    publish(GroupSetCreated(actor_id=getattr(actor, "pk", None), id=group_set.pk, via=via))
    return group_set


@atomic
def update_group_set(
    group_set: GroupSet,
    *,
    actor,
    name_en: str | None = None,
    name_fr: str | None = None,
    groups: list[ChannelGroup] | None = None,
) -> GroupSet:
    require(actor, ADMIN)
    if name_en is not None or name_fr is not None:
        group_set.name_en, group_set.name_fr = _names(
            group_set.name_en if name_en is None else name_en,
            group_set.name_fr if name_fr is None else name_fr,
        )
        group_set.save(update_fields=["name_en", "name_fr"])
    if groups is not None:
        group_set.groups.set(groups)
    return group_set


@atomic
def delete_group_set(group_set: GroupSet, *, actor) -> None:
    require(actor, ADMIN)
    group_set.delete()


# --- channels and channel groups ------------------------------------------------------------------
def channel_for(platform: str) -> Channel:
    """The channel of a platform, created on first use."""
    if platform not in Platform.values:
        raise Invalid(
            _("Unknown platform “%(platform)s”.") % {"platform": platform}, details={"field": "platform"}
        )
    channel, _created = Channel.objects.get_or_create(
        platform=platform, name=Platform(platform).label, defaults={"is_active": True}
    )
    return channel


@atomic
def create_channel_group(
    *,
    actor,
    via: str = "web",
    platform: str,
    name: str,
    external_id: str = "",
    team=None,
    language: str = "",
    credentials: dict | None = None,
) -> ChannelGroup:
    """Add a page, account, number or mailbox as a channel group. Needs system.admin. Credentials are
    stored encrypted and never returned."""
    require(actor, ADMIN)
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A channel group needs a name."), details={"field": "name"})
    if language not in ("", "en", "fr"):
        raise Invalid(_("Language must be “en” or “fr”."), details={"field": "language"})
    group = ChannelGroup(
        channel=channel_for(platform),
        name=name[:120],
        external_id=(external_id or "").strip(),
        team=team,
        language=language,
        credentials_encrypted=encrypt_json(credentials or {}),
    )
    _save_unique(group, _("This platform id is already used by another channel group."))
    publish(ChannelGroupCreated(actor_id=getattr(actor, "pk", None), id=group.pk, via=via))
    return group


@atomic
def update_channel_group(
    group: ChannelGroup, *, actor, credentials: dict | None = None, **fields
) -> ChannelGroup:
    require(actor, ADMIN)
    for name, value in fields.items():
        if name not in {"name", "external_id", "team", "language", "is_active"}:
            raise Invalid(_("Unknown fields: %(fields)s") % {"fields": name})
        setattr(group, name, value)
    if credentials is not None:
        group.credentials_encrypted = encrypt_json(credentials)
    _save_unique(group, _("This platform id is already used by another channel group."))
    return group


@atomic
def delete_channel_group(group: ChannelGroup, *, actor) -> None:
    """Delete a channel group that never received a ticket; one with tickets can only be deactivated."""
    require(actor, ADMIN)
    if group.tickets.exists():
        raise Conflict(
            _("This channel group has tickets; deactivate it instead of deleting it."), code="group_in_use"
        )
    group.delete()


# --- canned responses (BEY-4) ---------------------------------------------------------------------
_CANNED_FIELDS = {"name", "shortcut", "body_en", "body_fr", "team", "is_archived"}
PLACEHOLDERS = ("contact_name", "ticket_id", "agent_name")
_PLACEHOLDER_RE = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def _clean_canned(response: CannedResponse) -> None:
    response.name = (response.name or "").strip()[:120]
    if not response.name:
        raise Invalid(_("A canned response needs a name."), code="name_required", details={"field": "name"})
    shortcut = (response.shortcut or "").strip().lstrip("/")
    response.shortcut = slugify(shortcut)[:40] if shortcut else ""
    if shortcut and not response.shortcut:
        raise Invalid(
            _("The shortcut must contain letters or digits."),
            code="bad_shortcut",
            details={"field": "shortcut"},
        )
    response.body_en = (response.body_en or "").strip()
    response.body_fr = (response.body_fr or "").strip()
    if not response.body_en and not response.body_fr:
        raise Invalid(
            _("Write the text in English, in French, or both."),
            code="body_required",
            details={"field": "body_en"},
        )


def _save_canned(response: CannedResponse) -> CannedResponse:
    return _save_unique(
        response, _("The shortcut “%(shortcut)s” is already used.") % {"shortcut": response.shortcut}
    )


@atomic
def create_canned_response(
    *,
    actor,
    via: str = "web",
    name: str,
    body_en: str = "",
    body_fr: str = "",
    shortcut: str = "",
    team=None,
) -> CannedResponse:
    """Create a canned response (BEY-4). Needs tickets.manage. ``team`` None offers it to everyone."""
    require(actor, MANAGE)
    response = CannedResponse(
        name=name,
        body_en=body_en,
        body_fr=body_fr,
        shortcut=shortcut,
        team=team,
        created_by=actor_user(actor),
    )
    _clean_canned(response)
    _save_canned(response)
    publish(CannedResponseCreated(actor_id=getattr(actor, "pk", None), id=response.pk, via=via))
    return response


@atomic
def update_canned_response(response: CannedResponse, *, actor, via: str = "web", **fields) -> CannedResponse:
    """Change a canned response's name, shortcut, texts, team or archived state. Needs tickets.manage."""
    require(actor, MANAGE)
    unknown = set(fields) - _CANNED_FIELDS
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(response, name, value)
    _clean_canned(response)
    _save_canned(response)
    publish(CannedResponseUpdated(actor_id=getattr(actor, "pk", None), id=response.pk, via=via))
    return response


def archive_canned_response(response: CannedResponse, *, actor, archived: bool = True) -> CannedResponse:
    """Archive (hide from the composer, keep for reference) or restore a canned response."""
    return update_canned_response(response, actor=actor, is_archived=archived)


@atomic
def delete_canned_response(response: CannedResponse, *, actor, via: str = "web") -> None:
    require(actor, MANAGE)
    pk = response.pk
    response.delete()
    publish(CannedResponseDeleted(actor_id=getattr(actor, "pk", None), id=pk, via=via))


def canned_responses_for(user, *, query: str = "", include_archived: bool = False):
    """The canned responses ``user`` may insert: those for everyone and those of the user's teams (all of
    them for holders of tickets.manage). Needs tickets.read; filtered by name or shortcut when ``query``."""
    from django.db.models import Q

    from parlons.accounts.permissions import READ, has_perm

    require(user, READ)
    qs = CannedResponse.objects.select_related("team")
    if not include_archived:
        qs = qs.filter(is_archived=False)
    if not has_perm(user, MANAGE):
        team_ids = list(user.teams.values_list("pk", flat=True)) if getattr(user, "pk", None) else []
        qs = qs.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))
    query = (query or "").strip().lstrip("/")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(shortcut__icontains=query))
    return qs


def render_canned(response: CannedResponse, ticket=None, language: str = "en", *, agent=None) -> str:
    """The response's text in ``language`` with the known placeholders filled in.

    Only ``{contact_name}``, ``{ticket_id}`` and ``{agent_name}`` are replaced, by plain text (no format
    strings, no attribute access), so a canned text can never reach into objects; any other brace stays as
    written. A placeholder whose value is unknown becomes an empty string (the contact name falls back to the
    contact's handle)."""
    values = {"contact_name": "", "ticket_id": "", "agent_name": ""}
    if ticket is not None:
        values["ticket_id"] = str(ticket.pk)
        contact = getattr(ticket, "contact", None)
        if contact is not None:
            name = contact.name
            if not name:
                identity = contact.identities.order_by("pk").first()
                name = (identity.display_name or identity.handle) if identity else ""
            values["contact_name"] = name
    if agent is not None and getattr(agent, "pk", None):
        values["agent_name"] = agent.get_full_name() or agent.username
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], response.body_in(language))
