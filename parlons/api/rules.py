"""/api/v1/rules: automation rules as JSON documents (OPS-12), keyword auto-tags (OPS-25) and the
assignment policy (OPS-6, OPS-24).

Reading and dry runs: ``system.admin`` or ``tickets.manage``; every change: ``system.admin``. A rule document
that does not validate is a 400 whose ``details.errors`` lists each problem with its place
(``conditions.0.value``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.models import Team
from parlons.accounts.permissions import ADMIN, require
from parlons.api.common import ERRORS, Deleted, via
from parlons.automation import services
from parlons.automation.models import AssignmentPolicy, AutoTag, Rule
from parlons.automation.schemas import RuleDocument
from parlons.automation.selectors import auto_tags, rules_in_order

router = Router(tags=["rules"])


class RuleIn(Schema):
    name: str = Field(..., max_length=200)
    is_enabled: bool = True
    document: dict[str, Any] = Field(..., description="trigger, hours, match, conditions, actions")


class RulePatch(Schema):
    name: str | None = Field(None, max_length=200)
    is_enabled: bool | None = None
    document: dict[str, Any] | None = None


class RuleOut(Schema):
    id: int
    name: str
    position: int
    is_enabled: bool
    trigger: str
    document: RuleDocument
    created_at: datetime
    updated_at: datetime


class OrderIn(Schema):
    ids: list[int]


class DryRunIn(Schema):
    document: dict[str, Any] | None = None
    limit: int = 20


def _rule(request, pk: int) -> Rule:
    services.require_read(request.user)
    return get_object_or_404(Rule, pk=pk)


@router.get("", response={200: list[RuleOut], **ERRORS})
def list_rules(request):
    services.require_read(request.user)
    return list(rules_in_order())


@router.post("", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    rule = services.create_rule(
        actor=request.user,
        via=via(request),
        name=payload.name,
        document=payload.document,
        is_enabled=payload.is_enabled,
    )
    return Status(201, rule)


@router.post("/reorder", response={200: list[RuleOut], **ERRORS})
def reorder_rules(request, payload: OrderIn):
    return services.reorder_rules(payload.ids, actor=request.user, via=via(request))


@router.post("/dry-run", response={200: dict, **ERRORS})
def dry_run_document(request, payload: DryRunIn):
    """Try a rule document (not saved) on the last ``limit`` tickets; changes nothing."""
    return services.dry_run(
        actor=request.user,
        document=payload.document or {},
        limit=payload.limit,
        language=get_language() or "en",
    )


# --- auto-tags --------------------------------------------------------------------------------------
class AutoTagIn(Schema):
    tag: str = Field(..., max_length=80, description="the tag's slug")
    keywords_en: list[str] = Field(default_factory=list)
    keywords_fr: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=lambda: ["messages", "notes", "replies"])
    is_enabled: bool = True


class AutoTagOut(Schema):
    id: int
    tag: str
    keywords_en: list[str]
    keywords_fr: list[str]
    sources: list[str]
    is_enabled: bool

    @staticmethod
    def resolve_tag(obj):
        return obj.tag.slug

    @staticmethod
    def resolve_sources(obj):
        return [
            s
            for s, on in (("messages", obj.on_messages), ("notes", obj.on_notes), ("replies", obj.on_replies))
            if on
        ]


@router.get("/auto-tags", response={200: list[AutoTagOut], **ERRORS})
def list_auto_tags(request):
    services.require_read(request.user)
    return list(auto_tags())


@router.post("/auto-tags", response={201: AutoTagOut, **ERRORS})
def create_auto_tag(request, payload: AutoTagIn):
    return Status(201, services.create_auto_tag(actor=request.user, via=via(request), **payload.dict()))


@router.put("/auto-tags/{int:pk}", response={200: AutoTagOut, **ERRORS})
def update_auto_tag(request, pk: int, payload: AutoTagIn):
    require(request.user, ADMIN)
    auto = get_object_or_404(AutoTag, pk=pk)
    return services.update_auto_tag(auto, actor=request.user, via=via(request), **payload.dict())


@router.delete("/auto-tags/{int:pk}", response={200: Deleted, **ERRORS})
def delete_auto_tag(request, pk: int):
    require(request.user, ADMIN)
    services.delete_auto_tag(get_object_or_404(AutoTag, pk=pk), actor=request.user, via=via(request))
    return Deleted()


# --- assignment policy ------------------------------------------------------------------------------
class PolicyIn(Schema):
    team_id: int | None = Field(None, description="empty: the global policy")
    method: str = Field(..., description="none, round_robin or least_open")
    sticky: bool = True
    sticky_days: int = 30


class PolicyOut(Schema):
    team_id: int | None
    method: str
    sticky: bool
    sticky_days: int


@router.get("/assignment", response={200: list[PolicyOut], **ERRORS})
def list_policies(request):
    services.require_read(request.user)
    return list(AssignmentPolicy.objects.order_by("team_id"))


@router.put("/assignment", response={200: PolicyOut, **ERRORS})
def set_policy(request, payload: PolicyIn):
    require(request.user, ADMIN)
    team = None
    if payload.team_id is not None:
        from parlons.api.common import optional_ref

        team = optional_ref(Team, payload.team_id, "team_id")
    return services.set_assignment_policy(
        actor=request.user,
        via=via(request),
        team=team,
        method=payload.method,
        sticky=payload.sticky,
        sticky_days=payload.sticky_days,
    )


# --- one rule ---------------------------------------------------------------------------------------
@router.get("/{int:pk}", response={200: RuleOut, **ERRORS})
def get_rule(request, pk: int):
    return _rule(request, pk)


@router.patch("/{int:pk}", response={200: RuleOut, **ERRORS})
def update_rule(request, pk: int, payload: RulePatch):
    require(request.user, ADMIN)
    rule = get_object_or_404(Rule, pk=pk)
    return services.update_rule(
        rule,
        actor=request.user,
        via=via(request),
        name=payload.name,
        document=payload.document,
        is_enabled=payload.is_enabled,
    )


@router.put("/{int:pk}", response={200: RuleOut, **ERRORS})
def replace_rule(request, pk: int, payload: RuleIn):
    require(request.user, ADMIN)
    rule = get_object_or_404(Rule, pk=pk)
    return services.update_rule(
        rule,
        actor=request.user,
        via=via(request),
        name=payload.name,
        document=payload.document,
        is_enabled=payload.is_enabled,
    )


@router.delete("/{int:pk}", response={200: Deleted, **ERRORS})
def delete_rule(request, pk: int):
    require(request.user, ADMIN)
    services.delete_rule(get_object_or_404(Rule, pk=pk), actor=request.user, via=via(request))
    return Deleted()


@router.post("/{int:pk}/dry-run", response={200: dict, **ERRORS})
def dry_run_rule(request, pk: int, limit: int = 20):
    """Try a saved rule (enabled or not) on the last ``limit`` tickets; changes nothing."""
    rule = _rule(request, pk)
    return services.dry_run(actor=request.user, rule=rule, limit=limit, language=get_language() or "en")
