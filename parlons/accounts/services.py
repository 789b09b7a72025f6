"""The only writers of accounts data: users, teams, roles and grants, API tokens, security events.

Every function checks that the actor holds ``system.admin`` (except where said), changes the data in one
transaction, writes a ``SecurityEvent`` where it matters for an audit, and publishes a domain event on commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.models import ApiToken, Language, Role, RoleGrant, SecurityEvent, Team, User
from parlons.accounts.permissions import ADMIN, ALL_PERMISSIONS, forget_permissions, permissions_of, require
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Conflict, Forbidden, Invalid, NotFound
from parlons.core.event_types import (
    SecurityEventRecorded,
    TeamCreated,
    TeamDeleted,
    TeamUpdated,
    UserCreated,
    UserLocked,
    UserUpdated,
)
from parlons.core.events import publish

TOKEN_PREFIX = "prl_"


def record_security_event(
    kind: str, *, actor=None, via: str = "web", target_user=None, severity="info", ip=None, **data
):
    """Append to the audit trail. Callable by anyone (it never changes domain state); never pass secrets."""
    event = SecurityEvent.objects.create(
        kind=kind,
        severity=severity,
        actor=actor_user(actor) if actor is not None and getattr(actor, "pk", None) else None,
        target_user=target_user,
        ip_address=ip,
        data=data,
    )
    publish(
        SecurityEventRecorded(actor_id=event.actor_id, id=event.pk, kind=kind, severity=severity, via=via)
    )
    return event


def _validate_language(language: str) -> str:
    if language not in Language.values:
        raise Invalid(_("Language must be “en” or “fr”."), details={"field": "language"})
    return language


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password", details={"field": "password"})


@atomic
def create_user(
    *,
    actor,
    via: str = "web",
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    password: str | None = None,
    teams: list[Team] | None = None,
    roles: list[Role] | None = None,
    is_bot: bool = False,
    check_password: bool = True,
    password_hash: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Create an employee profile (ADM-6) with its teams, roles and time zone, all or nothing. Needs
    system.admin. Writes ``user.created`` and ``role.granted`` security events; publishes ``user.created``."""
    require(actor, ADMIN)
    username = (username or "").strip()
    if not username:
        raise Invalid(_("A user name is required."), details={"field": "username"})
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name “%(name)s” is already taken.") % {"name": username}, code="duplicate")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=_validate_language(language),
        is_bot=is_bot,
    )
    if time_zone is not None:
        user.time_zone = time_zone
    if password_hash:
        # A hash made once with make_password() for many accounts (demo and training users).
        user.password = password_hash
    elif password:
        if check_password:
            _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if teams:
        user.teams.set(teams)
    for role in roles or []:
        RoleGrant.objects.create(role=role, user=user, granted_by=actor_user(actor))
        record_security_event("role.granted", actor=actor, target_user=user, role=role.slug, team=None)
    record_security_event("user.created", actor=actor, target_user=user)
    publish(UserCreated(actor_id=getattr(actor, "pk", None), id=user.pk, via=via))
    return user


@atomic
def update_user(user: User, *, actor, via: str = "web", roles: list[Role] | None = None, **fields) -> User:
    """Change profile fields (name, e-mail, language, time zone, teams, away) and, when ``roles`` is given, make
    the user's own role grants exactly those (team grants are left alone), all or nothing: a refused role change
    (one's own administration rights) keeps the profile as it was. Users may change their own name, language,
    time zone and availability; everything else needs system.admin. Publishes ``user.updated``; each grant and
    revocation writes its security event."""
    own_fields = {"first_name", "last_name", "language", "time_zone", "is_away", "shortcuts_enabled"}
    if roles is not None or not (getattr(actor, "pk", None) == user.pk and set(fields) <= own_fields):
        require(actor, ADMIN)
    allowed = own_fields | {"email", "teams", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "language" in fields:
        _validate_language(fields["language"])
    teams = fields.pop("teams", None)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    if teams is not None:
        user.teams.set(teams)
    forget_permissions(user)
    publish(UserUpdated(actor_id=getattr(actor, "pk", None), id=user.pk, via=via))
    if roles is not None:
        held = {g.role for g in RoleGrant.objects.filter(user=user).select_related("role")}
        for role in set(roles) - held:
            grant_role(role, actor=actor, user=user)
        for role in held - set(roles):
            revoke_role(role, actor=actor, user=user)
    return user


@atomic
def set_password(user: User, password: str, *, actor) -> None:
    """Set a password after checking the password rules. Own password, or system.admin for others."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, ADMIN)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_security_event("user.password_changed", actor=actor, target_user=user)


@atomic
def lock_user(user: User, *, actor, via: str = "web", reason: str = "") -> User:
    """Lock an account (ENV-3): no sign-in, every session ended and every API token revoked."""
    require(actor, ADMIN)
    if getattr(actor, "pk", None) == user.pk:
        raise Invalid(_("You cannot lock your own account."), code="self_lock")
    user.is_active = False
    user.locked_at = timezone.now()
    user.locked_reason = reason[:255]
    user.save(update_fields=["is_active", "locked_at", "locked_reason"])
    end_sessions(user)
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_security_event("user.locked", actor=actor, target_user=user, severity="warning", reason=reason)
    publish(UserLocked(actor_id=getattr(actor, "pk", None), id=user.pk, via=via))
    return user


@atomic
def unlock_user(user: User, *, actor) -> User:
    require(actor, ADMIN)
    user.is_active = True
    user.locked_at = None
    user.locked_reason = ""
    user.save(update_fields=["is_active", "locked_at", "locked_reason"])
    from axes.utils import reset

    reset(username=user.username)
    record_security_event("user.unlocked", actor=actor, target_user=user)
    return user


# --- two-step sign-in (ADM-1) ---------------------------------------------------------------------
def pending_mfa_device(user: User):
    """The user's unconfirmed authenticator (a TOTP device made on the first call); its key is shown until it
    is confirmed. Called by the signed-in user for themselves (the set-up page); publishes nothing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@atomic
def confirm_mfa_enrolment(user: User, code: str):
    """Confirm the pending authenticator with a first code and remove any other unconfirmed one. Called by the
    signed-in user for themselves; writes an ``mfa.enrolled`` security event."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from parlons.accounts.mfa import clean_code

    device = pending_mfa_device(user)
    if not device.verify_token(clean_code(code)):
        raise Invalid(
            _("That code is not right. Check the time on your phone and try again."), code="bad_code"
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    record_security_event("mfa.enrolled", actor=user, target_user=user)
    return device


@atomic
def reset_mfa(user: User, *, actor) -> None:
    """Remove a user's authenticators (lost phone): they enrol again at their next sign-in. Own account, or
    system.admin for others; writes an ``mfa.reset`` security event."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if getattr(actor, "pk", None) != user.pk:
        require(actor, ADMIN)
    TOTPDevice.objects.filter(user=user).delete()
    record_security_event("mfa.reset", actor=actor, target_user=user, severity="warning")


def end_sessions(user: User) -> int:
    """Delete every session of the user (ENV-3: revoke sessions). Returns how many were ended."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --- teams ----------------------------------------------------------------------------------------
@atomic
def create_team(
    *,
    actor,
    via: str = "web",
    name: str,
    description: str = "",
    lead: User | None = None,
    members: list[User] | None = None,
) -> Team:
    """Create a team (ADM-7) with its lead and members, all or nothing. Needs system.admin. Publishes
    ``team.created``."""
    require(actor, ADMIN)
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A team name is required."), details={"field": "name"})
    if Team.objects.filter(name__iexact=name).exists():
        raise Conflict(_("A team named “%(name)s” already exists.") % {"name": name}, code="duplicate")
    team = Team.objects.create(name=name, description=description, lead=lead)
    if members:
        team.members.set(members)
    publish(TeamCreated(actor_id=getattr(actor, "pk", None), id=team.pk, via=via))
    return team


@atomic
def update_team(team: Team, *, actor, via: str = "web", members: list[User] | None = None, **fields) -> Team:
    require(actor, ADMIN)
    for name, value in fields.items():
        if name not in {"name", "description", "lead", "is_archived"}:
            raise Invalid(_("Unknown fields: %(fields)s") % {"fields": name})
        setattr(team, name, value)
    try:
        with atomic():
            team.save()
    except IntegrityError:
        raise Conflict(_("A team named “%(name)s” already exists.") % {"name": team.name}, code="duplicate")
    if members is not None:
        team.members.set(members)
    publish(TeamUpdated(actor_id=getattr(actor, "pk", None), id=team.pk, via=via))
    return team


@atomic
def delete_team(team: Team, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    team_id = team.pk
    team.delete()
    publish(TeamDeleted(actor_id=getattr(actor, "pk", None), id=team_id, via=via))


# --- roles and grants -----------------------------------------------------------------------------
def _clean_permissions(permissions: list[str]) -> list[str]:
    unknown = sorted(set(permissions) - set(ALL_PERMISSIONS))
    if unknown:
        raise Invalid(
            _("Unknown permissions: %(perms)s") % {"perms": ", ".join(unknown)},
            details={"field": "permissions"},
        )
    return sorted(set(permissions))


@atomic
def create_role(*, actor, slug: str, name_en: str, name_fr: str, permissions: list[str]) -> Role:
    require(actor, ADMIN)
    if Role.objects.filter(slug=slug).exists():
        raise Conflict(_("A role “%(slug)s” already exists.") % {"slug": slug}, code="duplicate")
    role = Role.objects.create(
        slug=slug, name_en=name_en, name_fr=name_fr, permissions=_clean_permissions(permissions)
    )
    record_security_event("role.created", actor=actor, role=slug, permissions=role.permissions)
    return role


@atomic
def update_role(role: Role, *, actor, permissions: list[str] | None = None, **names) -> Role:
    require(actor, ADMIN)
    before = list(role.permissions)
    if permissions is not None:
        role.permissions = _clean_permissions(permissions)
    for name, value in names.items():
        if name not in {"name_en", "name_fr"}:
            raise Invalid(_("Unknown fields: %(fields)s") % {"fields": name})
        setattr(role, name, value)
    role.save()
    record_security_event("role.updated", actor=actor, role=role.slug, before=before, after=role.permissions)
    return role


@atomic
def grant_role(role: Role, *, actor, user: User | None = None, team: Team | None = None) -> RoleGrant:
    """Grant a role to an employee or to a team of employees (ADM-3). Needs system.admin."""
    require(actor, ADMIN)
    if (user is None) == (team is None):
        raise Invalid(_("Grant a role to either a user or a team."))
    grant, _created = RoleGrant.objects.get_or_create(
        role=role, user=user, team=team, defaults={"granted_by": actor_user(actor)}
    )
    if user is not None:
        forget_permissions(user)
    record_security_event(
        "role.granted", actor=actor, target_user=user, role=role.slug, team=team.name if team else None
    )
    return grant


@atomic
def revoke_role(role: Role, *, actor, user: User | None = None, team: Team | None = None) -> None:
    require(actor, ADMIN)
    if (
        user is not None
        and getattr(actor, "pk", None) == user.pk
        and role.permissions
        and ADMIN in role.permissions
    ):
        raise Invalid(_("You cannot remove your own administration rights."), code="self_demote")
    deleted, _rows = RoleGrant.objects.filter(role=role, user=user, team=team).delete()
    if not deleted:
        raise NotFound(_("That grant does not exist."))
    if user is not None:
        forget_permissions(user)
    record_security_event(
        "role.revoked", actor=actor, target_user=user, role=role.slug, team=team.name if team else None
    )


# --- API tokens -----------------------------------------------------------------------------------
@atomic
def create_token(
    user: User, *, actor, scopes: list[str] | None = None, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a bearer token for ``user``; returns the row and the key (shown once, stored hashed).

    Users create their own tokens; administrators create tokens for others (bots). The scopes must be a
    subset of what the user holds; none given means all of them."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, ADMIN)
    held = permissions_of(user)
    if scopes is None:
        scopes = sorted(held)
    scopes = _clean_permissions(scopes)
    beyond = sorted(set(scopes) - held)
    if beyond:
        raise Forbidden(
            _("The user does not hold these permissions: %(perms)s") % {"perms": ", ".join(beyond)},
            details={"scopes": beyond},
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:12],
        key_hash=ApiToken.hash_key(key),
        scopes=scopes,
        expires_at=expires_at,
    )
    record_security_event("token.created", actor=actor, target_user=user, token=token.prefix, scopes=scopes)
    return token, key


@atomic
def revoke_token(token: ApiToken, *, actor) -> None:
    if getattr(actor, "pk", None) != token.user_id:
        require(actor, ADMIN)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_security_event("token.revoked", actor=actor, target_user=token.user, token=token.prefix)


def authenticate_token(key: str) -> User | None:
    """The user behind a valid, unrevoked, unexpired token, with the token's scopes applied; else None."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user._parlons_token_scopes = list(token.scopes)
    user._parlons_token_id = token.pk
    return user


def ensure_default_roles() -> dict[str, Role]:
    """Create the default roles if missing (used by migrations' data step, `parlons run` and the demo)."""
    from parlons.accounts.permissions import DEFAULT_ROLES

    roles = {}
    for slug, (name_en, name_fr, perms) in DEFAULT_ROLES.items():
        roles[slug], _created = Role.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_fr": name_fr, "permissions": sorted(perms)}
        )
    return roles
