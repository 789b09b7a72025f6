"""Teams (ADM-7) and roles (ADM-3, ADM-5): create, rename and delete teams, choose members and the lead;
see what each role allows and grant or revoke roles to people or teams. Needs system.admin."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts import services
from parlons.accounts.models import Role, RoleGrant, Team
from parlons.accounts.permissions import ADMIN, ALL_PERMISSIONS
from parlons.core.errors import ParlonsError
from parlons.web.views.admin._base import admin_view, form_status, save_form
from parlons.web.views.admin.forms import GrantForm, MembersForm, TeamForm


@admin_view(ADMIN)
def team_list(request):
    form = TeamForm(request.POST if request.method == "POST" else None)
    saved, team = save_form(
        request,
        form,
        lambda data: services.create_team(actor=request.user, **data),
        success=lambda team: _("Team “%(name)s” created.") % {"name": team.name},
        error_field="name",
    )
    if saved:
        return redirect("admin_team", pk=team.pk)
    teams = Team.objects.filter(is_archived=False).select_related("lead").annotate(size=Count("members"))
    context = {"teams": teams, "form": form}
    return render(request, "web/pages/admin/teams.html", context, status=form_status(form))


@admin_view(ADMIN)
def team_edit(request, pk: int):
    team = get_object_or_404(Team, pk=pk)
    initial = {"name": team.name, "description": team.description, "lead": team.lead}
    action = request.POST.get("action") if request.method == "POST" else None
    form = TeamForm(request.POST if action == "rename" else None, initial=initial)
    members = MembersForm(
        request.POST if action == "members" else None, initial={"members": list(team.members.all())}
    )
    if action == "rename":
        saved, _result = save_form(
            request,
            form,
            lambda data: services.update_team(team, actor=request.user, **data),
            error_field="name",
        )
        if saved:
            return redirect("admin_team", pk=team.pk)
    elif action == "members":
        saved, _result = save_form(
            request,
            members,
            lambda data: services.update_team(team, actor=request.user, members=list(data["members"])),
            success=_("Members saved."),
        )
        if saved:
            return redirect("admin_team", pk=team.pk)
    context = {
        "team": team,
        "form": form,
        "members_form": members,
        "grants": RoleGrant.objects.filter(team=team).select_related("role"),
    }
    return render(request, "web/pages/admin/team.html", context, status=form_status(form, members))


@require_POST
@admin_view(ADMIN)
def team_delete(request, pk: int):
    team = get_object_or_404(Team, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation box to delete the team."))
        return redirect("admin_team", pk=team.pk)
    name = team.name
    services.delete_team(team, actor=request.user)
    messages.success(request, _("Team “%(name)s” deleted.") % {"name": name})
    return redirect("admin_teams")


# --- roles ----------------------------------------------------------------------------------------
@admin_view(ADMIN)
def role_list(request):
    form = GrantForm(request.POST if request.method == "POST" else None)
    saved, _grant = save_form(
        request,
        form,
        lambda data: services.grant_role(
            data["role"], actor=request.user, user=data["user"], team=data["team"]
        ),
        success=_("Role granted."),
    )
    if saved:
        return redirect("admin_roles")
    grants = RoleGrant.objects.select_related("user", "team").order_by("team__name", "user__username")
    roles = Role.objects.prefetch_related(Prefetch("grants", queryset=grants))
    permissions = list(ALL_PERMISSIONS.items())
    rows = [
        {"role": role, "allows": [code in role.permissions for code, _label in permissions]} for role in roles
    ]
    context = {"rows": rows, "permissions": permissions, "form": form}
    return render(request, "web/pages/admin/roles.html", context, status=form_status(form))


@require_POST
@admin_view(ADMIN)
def role_revoke(request, pk: int):
    grant = get_object_or_404(RoleGrant.objects.select_related("role", "user", "team"), pk=pk)
    try:
        services.revoke_role(grant.role, actor=request.user, user=grant.user, team=grant.team)
    except ParlonsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role revoked."))
    return redirect("admin_roles")
