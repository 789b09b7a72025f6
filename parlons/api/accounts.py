"""/api/v1 accounts: users, teams, roles and permissions, tokens and the security audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from parlons.accounts import services as accounts
from parlons.accounts.models import Role, SecurityEvent, Team, User
from parlons.accounts.permissions import ADMIN, ALL_PERMISSIONS, READ, permissions_of, require
from parlons.api.common import ERRORS, Deleted, Lang, all_by_key, get_or_404, optional_ref, via
from parlons.api.schemas import Ref

router = Router()


# --- users, teams, roles --------------------------------------------------------------------------
class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    language: str
    is_active: bool
    is_bot: bool
    is_away: bool
    locked_at: datetime | None
    teams: list[Ref]
    roles: list[str]
    permissions: list[str]


def _user_out(user: User) -> dict:
    return {
        **{
            f: getattr(user, f)
            for f in (
                "id",
                "username",
                "first_name",
                "last_name",
                "email",
                "language",
                "is_active",
                "is_bot",
                "is_away",
                "locked_at",
            )
        },
        "teams": [{"id": t.pk, "name": t.name} for t in user.teams.all()],
        "roles": sorted(g.role.slug for g in user.role_grants.select_related("role")),
        "permissions": sorted(permissions_of(user)) if user.is_active else [],
    }


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    language: Lang = "en"
    password: str | None = Field(None, max_length=256)
    team_ids: list[int] = []
    roles: list[str] = []
    is_bot: bool = False


class UserPatch(Schema):
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    language: Lang | None = None
    is_away: bool | None = None
    team_ids: list[int] | None = None


def _teams(ids: list[int]) -> list[Team]:
    return all_by_key(Team, ids, "team_ids", _("No such team."))


def _roles(slugs: list[str]) -> list[Role]:
    return all_by_key(Role, slugs, "roles", _("No such role."), key="slug")


@router.get("/me", response={200: UserOut, **ERRORS}, tags=["users"])
def me(request):
    return _user_out(request.user)


@router.get("/users", response={200: list[UserOut], **ERRORS}, tags=["users"])
def list_users(request):
    require(request.user, READ)
    return [_user_out(u) for u in User.objects.prefetch_related("teams")]


@router.post("/users", response={201: UserOut, **ERRORS}, tags=["users"])
def create_user(request, payload: UserIn):
    user = accounts.create_user(
        actor=request.user,
        via=via(request),
        username=payload.username,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        language=payload.language,
        password=payload.password,
        teams=_teams(payload.team_ids),
        roles=_roles(payload.roles),
        is_bot=payload.is_bot,
    )
    return Status(201, _user_out(user))


@router.get("/users/{int:user_id}", response={200: UserOut, **ERRORS}, tags=["users"])
def get_user(request, user_id: int):
    return _user_out(get_or_404(User, user_id, request=request))


@router.patch("/users/{int:user_id}", response={200: UserOut, **ERRORS}, tags=["users"])
def patch_user(request, user_id: int, payload: UserPatch):
    user = get_or_404(User, user_id, request=request)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None and k != "team_ids"}
    if payload.team_ids is not None:
        fields["teams"] = _teams(payload.team_ids)
    return _user_out(accounts.update_user(user, actor=request.user, via=via(request), **fields))


class LockIn(Schema):
    reason: str = Field("", max_length=255)


@router.post("/users/{int:user_id}/lock", response={200: UserOut, **ERRORS}, tags=["users"])
def lock_user(request, user_id: int, payload: LockIn):
    """Lock an account: sign-in refused, sessions ended, API tokens revoked (ENV-3)."""
    user = get_or_404(User, user_id, request=request)
    return _user_out(accounts.lock_user(user, actor=request.user, via=via(request), reason=payload.reason))


@router.post("/users/{int:user_id}/unlock", response={200: UserOut, **ERRORS}, tags=["users"])
def unlock_user(request, user_id: int):
    return _user_out(accounts.unlock_user(get_or_404(User, user_id, request=request), actor=request.user))


class RoleRef(Schema):
    role: str


@router.post("/users/{int:user_id}/roles", response={200: UserOut, **ERRORS}, tags=["users"])
def grant_user_role(request, user_id: int, payload: RoleRef):
    user = get_or_404(User, user_id, request=request)
    accounts.grant_role(_roles([payload.role])[0], actor=request.user, user=user)
    return _user_out(user)


@router.delete("/users/{int:user_id}/roles/{role}", response={200: UserOut, **ERRORS}, tags=["users"])
def revoke_user_role(request, user_id: int, role: str):
    user = get_or_404(User, user_id, request=request)
    accounts.revoke_role(_roles([role])[0], actor=request.user, user=user)
    return _user_out(user)


class TeamOut(Schema):
    id: int
    name: str
    description: str
    lead: Ref | None = None
    is_archived: bool
    members: list[Ref]
    roles: list[str]


def _team_out(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "description": team.description,
        "is_archived": team.is_archived,
        "lead": None if team.lead is None else {"id": team.lead.pk, "name": team.lead.display_name},
        "members": [{"id": u.pk, "name": u.display_name} for u in team.members.all()],
        "roles": sorted(g.role.slug for g in team.role_grants.select_related("role")),
    }


class TeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    lead_id: int | None = None
    member_ids: list[int] = []


class TeamPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    lead_id: int | None = None
    is_archived: bool | None = None
    member_ids: list[int] | None = None


def _users(ids: list[int]) -> list[User]:
    return all_by_key(User, ids, "member_ids", _("No such user."))


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, tags=["teams"])
def list_teams(request):
    require(request.user, READ)
    return [_team_out(t) for t in Team.objects.select_related("lead").prefetch_related("members")]


@router.post("/teams", response={201: TeamOut, **ERRORS}, tags=["teams"])
def create_team(request, payload: TeamIn):
    team = accounts.create_team(
        actor=request.user,
        via=via(request),
        name=payload.name,
        description=payload.description,
        lead=optional_ref(User, payload.lead_id, "lead"),
        members=_users(payload.member_ids) if payload.member_ids else None,
    )
    return Status(201, _team_out(team))


@router.patch("/teams/{int:team_id}", response={200: TeamOut, **ERRORS}, tags=["teams"])
def patch_team(request, team_id: int, payload: TeamPatch):
    team = get_or_404(Team, team_id, request=request)
    sent = payload.model_fields_set
    fields: dict[str, Any] = {
        k: getattr(payload, k)
        for k in ("name", "description", "is_archived")
        if k in sent and getattr(payload, k) is not None
    }
    if "lead_id" in sent:
        fields["lead"] = optional_ref(User, payload.lead_id, "lead")
    members = _users(payload.member_ids) if payload.member_ids is not None else None
    return _team_out(
        accounts.update_team(team, actor=request.user, via=via(request), members=members, **fields)
    )


@router.delete("/teams/{int:team_id}", response={200: Deleted, **ERRORS}, tags=["teams"])
def delete_team(request, team_id: int):
    accounts.delete_team(get_or_404(Team, team_id, request=request), actor=request.user, via=via(request))
    return {"deleted": True}


@router.post("/teams/{int:team_id}/roles", response={200: TeamOut, **ERRORS}, tags=["teams"])
def grant_team_role(request, team_id: int, payload: RoleRef):
    """Grant a role to every member of a team (ADM-3)."""
    team = get_or_404(Team, team_id, request=request)
    accounts.grant_role(_roles([payload.role])[0], actor=request.user, team=team)
    return _team_out(team)


@router.delete("/teams/{int:team_id}/roles/{role}", response={200: TeamOut, **ERRORS}, tags=["teams"])
def revoke_team_role(request, team_id: int, role: str):
    team = get_or_404(Team, team_id, request=request)
    accounts.revoke_role(_roles([role])[0], actor=request.user, team=team)
    return _team_out(team)


class RoleOut(Schema):
    id: int
    slug: str
    name_en: str
    name_fr: str
    permissions: list[str]


class RoleIn(Schema):
    slug: str = Field(..., pattern=r"^[a-z0-9-]{1,50}$")
    name_en: str = Field(..., min_length=1, max_length=120)
    name_fr: str = Field(..., min_length=1, max_length=120)
    permissions: list[str]


class RolePatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=120)
    name_fr: str | None = Field(None, min_length=1, max_length=120)
    permissions: list[str] | None = None


class PermissionOut(Schema):
    code: str
    description: str


@router.get("/permissions", response={200: list[PermissionOut], **ERRORS}, tags=["roles"])
def list_permissions(request):
    require(request.user, READ)
    return [{"code": code, "description": str(text)} for code, text in ALL_PERMISSIONS.items()]


@router.get("/roles", response={200: list[RoleOut], **ERRORS}, tags=["roles"])
def list_roles(request):
    require(request.user, READ)
    return list(Role.objects.all())


@router.post("/roles", response={201: RoleOut, **ERRORS}, tags=["roles"])
def create_role(request, payload: RoleIn):
    return Status(201, accounts.create_role(actor=request.user, **payload.dict()))


@router.patch("/roles/{int:role_id}", response={200: RoleOut, **ERRORS}, tags=["roles"])
def patch_role(request, role_id: int, payload: RolePatch):
    role = get_or_404(Role, role_id, request=request)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return accounts.update_role(role, actor=request.user, **fields)


# --- tokens and audit -----------------------------------------------------------------------------
class TokenIn(Schema):
    name: str = Field("", max_length=120)
    scopes: list[str] | None = None
    user_id: int | None = Field(None, description="Another user's id (administrators only, e.g. a bot)")
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    token: str = Field(..., description="Shown once; store it now")
    scopes: list[str]


@router.post("/tokens", response={201: TokenOut, **ERRORS}, tags=["users"])
def create_token(request, payload: TokenIn):
    user = (
        request.user
        if payload.user_id is None
        else get_or_404(User, payload.user_id, perm=ADMIN, request=request)
    )
    token, key = accounts.create_token(
        user, actor=request.user, scopes=payload.scopes, name=payload.name, expires_at=payload.expires_at
    )
    return Status(201, {"id": token.pk, "token": key, "scopes": token.scopes})


class SecurityEventOut(Schema):
    id: int
    kind: str
    severity: str
    actor_id: int | None
    target_user_id: int | None
    ip_address: str | None
    data: dict[str, Any]
    created_at: datetime


@router.get("/security-events", response={200: list[SecurityEventOut], **ERRORS}, tags=["audit"])
def list_security_events(request, kind: str = "", limit: int = Query(100, ge=1, le=1000)):
    """The security audit trail (ENV-3), newest first. Needs system administration."""
    require(request.user, ADMIN)
    qs = SecurityEvent.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])
