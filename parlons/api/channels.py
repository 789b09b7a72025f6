"""/api/v1 channels: channel groups (credentials write-only) and groups spread across channels."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.models import Team
from parlons.accounts.permissions import READ, require
from parlons.api.common import ERRORS, Deleted, all_by_key, get_or_404, optional_ref, via
from parlons.tickets import services
from parlons.tickets.models import ChannelGroup, GroupSet, Platform

router = Router()


# --- channel groups -------------------------------------------------------------------------------
class ChannelGroupOut(Schema):
    id: int
    platform: str
    name: str
    external_id: str
    team_id: int | None
    language: str
    is_active: bool
    has_credentials: bool


def _group_out(group: ChannelGroup) -> dict:
    return {
        "id": group.pk,
        "platform": group.channel.platform,
        "name": group.name,
        "external_id": group.external_id,
        "team_id": group.team_id,
        "language": group.language,
        "is_active": group.is_active,
        "has_credentials": group.has_credentials,
    }


class ChannelGroupIn(Schema):
    platform: Literal[tuple(Platform.values)]  # type: ignore[valid-type]
    name: str = Field(..., min_length=1, max_length=120)
    external_id: str = Field("", max_length=255, description="Page id, phone-number id, account id…")
    team_id: int | None = None
    language: Literal["", "en", "fr"] = ""
    credentials: dict[str, str] = Field(default_factory=dict, description="Write-only; stored encrypted")


class ChannelGroupPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    external_id: str | None = Field(None, max_length=255)
    team_id: int | None = None
    language: Literal["", "en", "fr"] | None = None
    is_active: bool | None = None
    credentials: dict[str, str] | None = Field(
        None, description="Write-only; replaces the stored credentials"
    )


@router.get("/channel-groups", response={200: list[ChannelGroupOut], **ERRORS}, tags=["channels"])
def list_channel_groups(request):
    require(request.user, READ)
    return [_group_out(g) for g in ChannelGroup.objects.select_related("channel")]


@router.post("/channel-groups", response={201: ChannelGroupOut, **ERRORS}, tags=["channels"])
def create_channel_group(request, payload: ChannelGroupIn):
    group = services.create_channel_group(
        actor=request.user,
        via=via(request),
        platform=payload.platform,
        name=payload.name,
        external_id=payload.external_id,
        team=optional_ref(Team, payload.team_id, "team"),
        language=payload.language,
        credentials=payload.credentials,
    )
    return Status(201, _group_out(group))


@router.patch("/channel-groups/{int:group_id}", response={200: ChannelGroupOut, **ERRORS}, tags=["channels"])
def patch_channel_group(request, group_id: int, payload: ChannelGroupPatch):
    group = get_or_404(ChannelGroup, group_id, request=request)
    sent = payload.model_fields_set
    fields: dict[str, Any] = {
        k: getattr(payload, k)
        for k in ("name", "external_id", "language", "is_active")
        if k in sent and getattr(payload, k) is not None
    }
    if "team_id" in sent:
        fields["team"] = optional_ref(Team, payload.team_id, "team")
    group = services.update_channel_group(
        group, actor=request.user, credentials=payload.credentials, **fields
    )
    return _group_out(group)


@router.delete("/channel-groups/{int:group_id}", response={200: Deleted, **ERRORS}, tags=["channels"])
def delete_channel_group(request, group_id: int):
    services.delete_channel_group(get_or_404(ChannelGroup, group_id, request=request), actor=request.user)
    return {"deleted": True}


# --- groups spread across channels ---------------------------------------------------------------
class GroupSetOut(Schema):
    id: int
    name_en: str
    name_fr: str
    channel_groups: list[int]


class GroupSetIn(Schema):
    name_en: str = Field(..., min_length=1, max_length=120)
    name_fr: str = Field(..., min_length=1, max_length=120)
    channel_groups: list[int] = []


class GroupSetPatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=120)
    name_fr: str | None = Field(None, min_length=1, max_length=120)
    channel_groups: list[int] | None = None


def _group_set_out(group_set: GroupSet) -> dict:
    return {
        "id": group_set.pk,
        "name_en": group_set.name_en,
        "name_fr": group_set.name_fr,
        "channel_groups": sorted(g.pk for g in group_set.groups.all()),
    }


def _channel_groups(ids: list[int]) -> list[ChannelGroup]:
    return all_by_key(ChannelGroup, ids, "channel_groups", _("No such channel group."))


@router.get("/group-sets", response={200: list[GroupSetOut], **ERRORS}, tags=["channels"])
def list_group_sets(request):
    """Groups spread across channels (e.g. a Facebook page, an X account and a mailbox of one program)."""
    require(request.user, READ)
    return [_group_set_out(g) for g in GroupSet.objects.prefetch_related("groups").order_by("name_en")]


@router.post("/group-sets", response={201: GroupSetOut, **ERRORS}, tags=["channels"])
def create_group_set(request, payload: GroupSetIn):
    group_set = services.create_group_set(
        actor=request.user,
        via=via(request),
        name_en=payload.name_en,
        name_fr=payload.name_fr,
        groups=_channel_groups(payload.channel_groups),
    )
    return Status(201, _group_set_out(group_set))


@router.patch("/group-sets/{int:set_id}", response={200: GroupSetOut, **ERRORS}, tags=["channels"])
def patch_group_set(request, set_id: int, payload: GroupSetPatch):
    group_set = get_or_404(GroupSet, set_id, request=request)
    groups = _channel_groups(payload.channel_groups) if payload.channel_groups is not None else None
    services.update_group_set(
        group_set, actor=request.user, name_en=payload.name_en, name_fr=payload.name_fr, groups=groups
    )
    return _group_set_out(group_set)


@router.delete("/group-sets/{int:set_id}", response={200: Deleted, **ERRORS}, tags=["channels"])
def delete_group_set(request, set_id: int):
    services.delete_group_set(get_or_404(GroupSet, set_id, request=request), actor=request.user)
    return {"deleted": True}
