"""Automation screens (OPS-12, OPS-25, OPS-6, OPS-24): rules in order with on/off, the rule editor (rows of
conditions and actions added and removed with htmx, and without JavaScript by plain form posts), the dry run,
keyword auto-tagging, the assignment policy, and the agent's own available/away switch.

Administrators (system.admin) change everything; team leads (tickets.manage) see the rules and try them."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.models import Team
from parlons.accounts.permissions import ADMIN, has_perm, require
from parlons.automation import services
from parlons.automation.models import AssignmentPolicy, AutoTag, Rule
from parlons.automation.schemas import CONDITION_FIELDS, OPS, TRIGGERS, available_actions
from parlons.automation.selectors import (
    auto_tags,
    choices,
    describe_action,
    describe_condition,
    describe_trigger,
    rules_in_order,
)
from parlons.core.errors import Invalid, NotFound
from parlons.web.views._common import friendly_errors, safe_next

MULTI_KINDS = {"platforms", "languages", "statuses", "priorities", "channel_groups", "teams", "users", "tags"}
ROW_KEY = re.compile(r"^(cond|act)-([a-z0-9]{1,12})-(field|type)$")


def _language() -> str:
    return (get_language() or "en")[:2]


def _new_key() -> str:
    return secrets.token_hex(3)


def _lines(value: str) -> list[str]:
    return [w.strip() for w in re.split(r"[\n,]", value or "") if w.strip()]


# --- rows -----------------------------------------------------------------------------------------
def _condition_row(
    key: str, cond: dict, errors: dict[str, list[str]] | None = None, index: int | None = 0
) -> dict:
    field_name = cond.get("field") or "text"
    spec = CONDITION_FIELDS.get(field_name) or CONDITION_FIELDS["text"]
    op = cond.get("op") if cond.get("op") in spec.ops else spec.ops[0]
    value = cond.get("value")
    if spec.kind == "text":
        widget = "pattern" if op == "matches" else "words"
    elif op in ("is_set", "is_empty"):
        widget = "none"
    elif spec.kind in MULTI_KINDS:
        widget = "multi"
    else:
        widget = "single"
    selected = {str(v) for v in value} if isinstance(value, list) else {str(value)} if value else set()
    text = ""
    if widget == "words":
        text = "\n".join(value) if isinstance(value, list) else str(value or "")
    elif widget == "pattern":
        text = value if isinstance(value, str) else ""
    errors = errors or {}
    return {
        "key": key,
        "index": index,
        "field": field_name,
        "fields": [(k, str(s.label)) for k, s in CONDITION_FIELDS.items()],
        "op": op,
        "ops": [(o, str(OPS[o])) for o in spec.ops],
        "widget": widget,
        "options": choices(spec.kind, _language()) if widget in ("multi", "single") else [],
        "selected": selected,
        "text": text,
        "errors": errors.get(f"conditions.{index}", []),
    }


def _action_row(
    key: str, action: dict, errors: dict[str, list[str]] | None = None, index: int | None = 0
) -> dict:
    offered = available_actions()
    kind_name = action.get("type") if action.get("type") in offered else next(iter(offered))
    spec = offered[kind_name]
    value = action.get("value")
    if spec.kind == "none":
        widget = "none"
    elif spec.kind == "body":
        widget = "body"
    elif spec.kind in ("tags", "users"):
        widget = "multi"
    else:
        widget = "single"
    selected = {str(v) for v in value} if isinstance(value, list) else {str(value)} if value else set()
    errors = errors or {}
    return {
        "key": key,
        "index": index,
        "type": kind_name,
        "types": [(k, str(s.label)) for k, s in offered.items()],
        "widget": widget,
        "options": choices(spec.kind, _language()) if widget in ("multi", "single") else [],
        "selected": selected,
        "text": value if isinstance(value, str) else "",
        "errors": errors.get(f"actions.{index}", []),
    }


def _document_from_post(post) -> tuple[dict, list[str], list[str]]:
    """The rule document a form describes, and the row keys of its conditions and actions in order."""
    conditions, actions, cond_keys, act_keys = [], [], [], []
    for name in post:
        match = ROW_KEY.match(name)
        if not match:
            continue
        part, key, _kind = match.groups()
        if part == "cond":
            field_name = post.get(name, "")
            spec = CONDITION_FIELDS.get(field_name)
            op = post.get(f"cond-{key}-op", "")
            raw: Any = post.getlist(f"cond-{key}-value")
            if spec is not None and spec.kind == "text":
                raw = (raw[0] if raw else "") if op == "matches" else _lines(raw[0] if raw else "")
            elif spec is not None and spec.kind not in MULTI_KINDS:
                raw = raw[0] if raw else ""
            conditions.append({"field": field_name, "op": op, "value": raw})
            cond_keys.append(key)
        else:
            kind_name = post.get(name, "")
            spec = available_actions().get(kind_name)
            raw = post.getlist(f"act-{key}-value")
            if spec is None or spec.kind == "none":
                raw = None
            elif spec.kind in ("tags", "users"):
                pass
            else:
                raw = raw[0] if raw else ""
            actions.append({"type": kind_name, "value": raw})
            act_keys.append(key)
    hours = post.get("hours", "").strip()
    document = {
        "trigger": post.get("trigger", ""),
        "match": post.get("match", "all"),
        "conditions": conditions,
        "actions": actions,
    }
    if document["trigger"] == "time_since_update":
        document["hours"] = int(hours) if hours.isdigit() else None
    return document, cond_keys, act_keys


def _errors_by_row(exc: Invalid) -> dict[str, list[str]]:
    """``conditions.2.value`` → the messages shown on condition row 2 (and ``name``, ``trigger``…)."""
    out: dict[str, list[str]] = {}
    for item in exc.details.get("errors", []) or [
        {"field": exc.details.get("field", ""), "message": str(exc)}
    ]:
        parts = str(item.get("field", "")).split(".")
        where = (
            ".".join(parts[:2])
            if parts and parts[0] in ("conditions", "actions") and len(parts) > 1
            else parts[0]
        )
        out.setdefault(where, []).append(str(item.get("message", "")))
    return out


def _editor_context(
    request,
    rule: Rule | None,
    document: dict,
    *,
    name: str,
    is_enabled: bool,
    keys=None,
    errors=None,
    dry=None,
    limit: int = 20,
) -> dict:
    errors = errors or {}
    cond_keys, act_keys = keys or ([], [])
    conditions = [
        _condition_row(cond_keys[i] if i < len(cond_keys) else _new_key(), c, errors, i)
        for i, c in enumerate(document.get("conditions", []))
    ]
    actions = [
        _action_row(act_keys[i] if i < len(act_keys) else _new_key(), a, errors, i)
        for i, a in enumerate(document.get("actions", []))
    ]
    return {
        "rule": rule,
        "name": name,
        "is_enabled": is_enabled,
        "trigger": document.get("trigger") or "message_received",
        "triggers": [(k, str(v)) for k, v in TRIGGERS.items()],
        "hours": document.get("hours") or "",
        "match": document.get("match") or "all",
        "conditions": conditions,
        "actions": actions,
        "errors": errors,
        "error_list": [m for ms in errors.values() for m in ms],
        "dry": dry,
        "limit": limit,
        "can_admin": has_perm(request.user, ADMIN),
    }


# --- pages ----------------------------------------------------------------------------------------
@login_required
@friendly_errors
def rule_list(request):
    services.require_read(request.user)
    language = _language()
    rows = []
    for rule in rules_in_order():
        doc = rule.document or {}
        rows.append(
            {
                "rule": rule,
                "trigger": describe_trigger(doc),
                "conditions": [describe_condition(c, language) for c in doc.get("conditions", [])],
                "match": doc.get("match", "all"),
                "actions": [describe_action(a, language) for a in doc.get("actions", [])],
            }
        )
    return render(request, "web/pages/rules.html", {"rows": rows, "can_admin": has_perm(request.user, ADMIN)})


def _get_rule(pk) -> Rule:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    return rule


@login_required
@friendly_errors
def rule_edit(request, pk: int | None = None):
    """New rule, or edit one: save, add/remove rows without JavaScript, or try it (dry run)."""
    services.require_read(request.user)
    rule = _get_rule(pk) if pk else None
    if request.method != "POST":
        if rule is None:
            document = {
                "trigger": "message_received",
                "match": "all",
                "conditions": [{"field": "text", "op": "contains_any", "value": []}],
                "actions": [{"type": "add_tags", "value": []}],
            }
            context = _editor_context(request, None, document, name="", is_enabled=True)
        else:
            context = _editor_context(
                request, rule, rule.document, name=rule.name, is_enabled=rule.is_enabled
            )
        return render(request, "web/pages/rules_edit.html", context)
    document, cond_keys, act_keys = _document_from_post(request.POST)
    name = request.POST.get("name", "").strip()
    is_enabled = request.POST.get("is_enabled") == "on"
    add = request.POST.get("_add")
    limit_raw = request.POST.get("limit", "20")
    limit = int(limit_raw) if limit_raw.isdigit() else 20
    keys = (cond_keys, act_keys)
    if add in ("condition", "action"):  # without JavaScript: the same form with one more row
        if add == "condition":
            document["conditions"].append({"field": "text", "op": "contains_any", "value": []})
        else:
            document["actions"].append({"type": next(iter(available_actions())), "value": None})
        context = _editor_context(
            request, rule, document, name=name, is_enabled=is_enabled, keys=keys, limit=limit
        )
        return render(request, "web/pages/rules_edit.html", context)
    if "_dry_run" in request.POST:
        try:
            dry = services.dry_run(actor=request.user, document=document, limit=limit, language=_language())
            errors = None
        except Invalid as exc:
            dry, errors = None, _errors_by_row(exc)
        context = _editor_context(
            request,
            rule,
            document,
            name=name,
            is_enabled=is_enabled,
            keys=keys,
            errors=errors,
            dry=dry,
            limit=limit,
        )
        return render(request, "web/pages/rules_edit.html", context, status=400 if errors else 200)
    require(request.user, ADMIN)
    try:
        if rule is None:
            rule = services.create_rule(
                actor=request.user, name=name, document=document, is_enabled=is_enabled
            )
            messages.success(request, _("Rule created."))
        else:
            services.update_rule(
                rule, actor=request.user, name=name, document=document, is_enabled=is_enabled
            )
            messages.success(request, _("Rule saved."))
    except Invalid as exc:
        context = _editor_context(
            request,
            rule,
            document,
            name=name,
            is_enabled=is_enabled,
            keys=keys,
            errors=_errors_by_row(exc),
            limit=limit,
        )
        return render(request, "web/pages/rules_edit.html", context, status=400)
    return redirect("rules")


@login_required
@friendly_errors
def rule_row(request, part: str):
    """One condition or action row (htmx): a new one, or the same one re-drawn for another field or type."""
    services.require_read(request.user)
    key = request.GET.get("key", "")
    if not re.fullmatch(r"[a-z0-9]{1,12}", key):
        key = _new_key()
    if part == "empty":
        return render(request, "web/pages/rules_row_empty.html", {})
    if part == "condition":
        cond = {
            "field": request.GET.get(f"cond-{key}-field", "text"),
            "op": request.GET.get(f"cond-{key}-op", ""),
            "value": [],
        }
        return render(
            request, "web/pages/rules_row_condition.html", {"row": _condition_row(key, cond, index=None)}
        )
    if part == "action":
        action = {"type": request.GET.get(f"act-{key}-type", "add_tags"), "value": None}
        return render(
            request, "web/pages/rules_row_action.html", {"row": _action_row(key, action, index=None)}
        )
    raise NotFound()


@require_POST
@login_required
@friendly_errors
def rule_toggle(request, pk: int):
    rule = _get_rule(pk)
    services.update_rule(rule, actor=request.user, is_enabled=not rule.is_enabled)
    if rule.is_enabled:
        messages.success(request, _("Rule “%(name)s” switched off.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” switched on.") % {"name": rule.name})
    return redirect("rules")


@require_POST
@login_required
@friendly_errors
def rule_move(request, pk: int):
    rule = _get_rule(pk)
    services.move_rule(rule, -1 if request.POST.get("direction") == "up" else 1, actor=request.user)
    return redirect("rules")


@require_POST
@login_required
@friendly_errors
def rule_delete(request, pk: int):
    rule = _get_rule(pk)
    services.delete_rule(rule, actor=request.user)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("rules")


# --- auto-tagging ---------------------------------------------------------------------------------
SOURCES = (
    ("messages", gettext_lazy("Messages from clients")),
    ("notes", gettext_lazy("Internal notes")),
    ("replies", gettext_lazy("Replies to clients")),
)


@login_required
@friendly_errors
def auto_tag_list(request):
    services.require_read(request.user)
    form = {"tag": "", "keywords_en": "", "keywords_fr": "", "sources": ["messages", "notes", "replies"]}
    error = None
    status = 200
    if request.method == "POST":
        require(request.user, ADMIN)
        form = {
            "tag": request.POST.get("tag", ""),
            "keywords_en": request.POST.get("keywords_en", ""),
            "keywords_fr": request.POST.get("keywords_fr", ""),
            "sources": request.POST.getlist("sources"),
        }
        try:
            services.create_auto_tag(
                actor=request.user,
                tag=form["tag"],
                keywords_en=_lines(form["keywords_en"]),
                keywords_fr=_lines(form["keywords_fr"]),
                sources=form["sources"],
            )
            messages.success(request, _("Automatic tagging added."))
            return redirect("rules_auto_tags")
        except Invalid as exc:
            error, status = str(exc), 400
    return render(
        request,
        "web/pages/rules_auto_tags.html",
        {
            "items": auto_tags(),
            "form": form,
            "error": error,
            "tags": choices("tags", _language()),
            "sources": [(k, str(label)) for k, label in SOURCES],
            "can_admin": has_perm(request.user, ADMIN),
        },
        status=status,
    )


@require_POST
@login_required
@friendly_errors
def auto_tag_action(request, pk: int):
    auto = AutoTag.objects.select_related("tag").filter(pk=pk).first()
    if auto is None:
        raise NotFound()
    if request.POST.get("do") == "delete":
        services.delete_auto_tag(auto, actor=request.user)
        messages.success(request, _("Automatic tagging removed."))
    else:
        sources = [
            s
            for s, on in (
                ("messages", auto.on_messages),
                ("notes", auto.on_notes),
                ("replies", auto.on_replies),
            )
            if on
        ]
        services.update_auto_tag(
            auto,
            actor=request.user,
            tag=auto.tag.slug,
            keywords_en=auto.keywords_en,
            keywords_fr=auto.keywords_fr,
            sources=sources,
            is_enabled=not auto.is_enabled,
        )
        messages.success(
            request,
            _("Automatic tagging switched on.") if auto.is_enabled else _("Automatic tagging switched off."),
        )
    return redirect("rules_auto_tags")


# --- assignment -----------------------------------------------------------------------------------
@login_required
@friendly_errors
def assignment_settings(request):
    services.require_read(request.user)
    error = None
    status = 200
    if request.method == "POST":
        require(request.user, ADMIN)
        team = None
        team_id = request.POST.get("team", "")
        try:
            if request.POST.get("do") == "clear":
                team = Team.objects.filter(pk=team_id).first() if team_id.isdigit() else None
                if team is None:
                    raise Invalid(_("No such team."))
                services.clear_assignment_policy(actor=request.user, team=team)
                messages.success(request, _("The team follows the general setting again."))
                return redirect("rules_assignment")
            if team_id:
                team = Team.objects.filter(pk=team_id).first() if team_id.isdigit() else None
                if team is None:
                    raise Invalid(_("No such team."))
            services.set_assignment_policy(
                actor=request.user,
                team=team,
                method=request.POST.get("method", ""),
                sticky=request.POST.get("sticky") == "on",
                sticky_days=request.POST.get("sticky_days", ""),
            )
            messages.success(request, _("Assignment setting saved."))
            return redirect("rules_assignment")
        except Invalid as exc:
            error, status = str(exc), 400
    policies = {p.team_id: p for p in AssignmentPolicy.objects.select_related("team")}
    general = policies.get(None)
    return render(
        request,
        "web/pages/rules_assignment.html",
        {
            "general": general,
            "team_policies": [p for k, p in policies.items() if k is not None],
            "teams": Team.objects.filter(is_archived=False),
            "methods": AssignmentPolicy.Method.choices,
            "error": error,
            "can_admin": has_perm(request.user, ADMIN),
        },
        status=status,
    )


# --- the agent's availability ---------------------------------------------------------------------
@require_POST
@login_required
@friendly_errors
def availability(request):
    """Agents set themselves available or away (away: no new tickets are given to them automatically)."""
    from parlons.accounts.services import update_user

    away = request.POST.get("away") == "1"
    update_user(request.user, actor=request.user, is_away=away)
    if away:
        messages.success(request, _("You are away: new tickets are not given to you automatically."))
    else:
        messages.success(request, _("You are available."))
    return redirect(safe_next(request, "/"))
