"""Permission codes (ADM-5) and the one place that answers "may this actor do that?".

Roles hold permission codes and are granted to a user or to a team (ADM-3); a user holds the union of the
permissions of the roles granted to them and to their teams. API tokens narrow that set to their scopes.
Superusers hold every permission. Services, views, the API and websocket consumers all ask ``has_perm``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

READ = "tickets.read"  # client communications and metadata, history, agents, settings
WRITE = "tickets.write"  # tags, notes, status, priority, spam, split, tracker links, bulk changes of these
PUBLISH = "tickets.publish"  # publish replies to the client
MANAGE = (
    "tickets.manage"  # rename/archive/delete tags, assign to others or to a team, create trackers, export
)
REPORTS = "reports.view"
EXPORT = "data.export"
ADMIN = "system.admin"  # users, teams, roles, channels, security audit
HANDOFF = "bots.handoff"  # a chatbot hands conversations over to the agents (POST /api/v1/handoffs)

ALL_PERMISSIONS: dict[str, object] = {
    READ: _("Read conversations and their metadata"),
    WRITE: _("Write: draft replies, tags and internal notes"),
    PUBLISH: _("Publish replies to clients"),
    MANAGE: _("Manage tags, assignment, trackers and conversation exports"),
    REPORTS: _("Run and save reports"),
    EXPORT: _("Export data"),
    ADMIN: _("System administration"),
    HANDOFF: _("Hand conversations over from a chatbot"),
}

# The default roles created by the first migration and the demo (one per demo user).
DEFAULT_ROLES: dict[str, tuple[str, str, list[str]]] = {
    "reader": ("Reader", "Lecteur", [READ]),
    "agent": ("Agent", "Agent", [READ, WRITE, PUBLISH]),
    "lead": ("Team lead", "Chef d'équipe", [READ, WRITE, PUBLISH, MANAGE, REPORTS]),
    "analyst": ("Analyst", "Analyste", [READ, REPORTS, EXPORT]),
    "admin": ("Administrator", "Administrateur", list(ALL_PERMISSIONS)),
    "bot": ("Chatbot", "Robot conversationnel", [HANDOFF]),
}

_CACHE_ATTR = "_parlons_perms"


def permissions_of(user) -> frozenset[str]:
    """Every permission the user holds through roles (cached on the user object for the request)."""
    from parlons.core.actors import is_system

    if is_system(user):
        return frozenset(ALL_PERMISSIONS)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        perms = frozenset(ALL_PERMISSIONS)
    else:
        from django.db.models import Q

        from parlons.accounts.models import Role

        roles = Role.objects.filter(Q(grants__user=user) | Q(grants__team__members=user)).distinct()
        perms = frozenset(p for role in roles for p in role.permissions if p in ALL_PERMISSIONS)
    token_scopes = getattr(user, "_parlons_token_scopes", None)
    if token_scopes is not None:
        perms = perms & frozenset(token_scopes)
    setattr(user, _CACHE_ATTR, perms)
    return perms


def forget_permissions(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_perm(user, perm: str) -> bool:
    return perm in permissions_of(user)


def holders_of(perm: str, users) -> list:
    """Those of ``users`` who hold ``perm`` through their accounts (as ``has_perm`` answers for each; an API
    token's scopes narrow a request, not a person, so they play no part), in their order, each once. Two
    queries for any number of users: roles are few, the grants are joined in SQL."""
    from django.db.models import Q

    from parlons.accounts.models import Role, User

    people = list({u.pk: u for u in users if getattr(u, "pk", None) is not None}.values())
    if not people or perm not in ALL_PERMISSIONS:
        return []
    roles = [pk for pk, codes in Role.objects.values_list("pk", "permissions") if perm in codes]
    holding = set(
        User.objects.filter(pk__in=[u.pk for u in people], is_active=True)
        .filter(Q(is_superuser=True) | Q(role_grants__role__in=roles) | Q(teams__role_grants__role__in=roles))
        .values_list("pk", flat=True)
        .distinct()
    )
    return [u for u in people if u.pk in holding]


def require(user, perm: str) -> None:
    """Raise ``Forbidden`` with a message naming the missing permission."""
    if not has_perm(user, perm):
        from django.utils.translation import gettext

        from parlons.core.errors import Forbidden

        raise Forbidden(
            gettext("You do not have the permission “%(permission)s”.")
            % {"permission": ALL_PERMISSIONS[perm]},
            details={"permission": perm},
        )
