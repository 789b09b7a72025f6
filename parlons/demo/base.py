"""The demo's base data, created through the services with the ``SYSTEM`` actor: the default roles, 4 teams,
25 agents and the five demo users (one per default role), the channel groups and the groups spread across
channels, lines of business, tag groups and tags, and trackers.

Everything is get-or-create by natural key (user name, team name, platform and external id, slug, English
name), so loading twice reuses what exists. Models are imported inside the functions so that importing
``parlons.demo`` (and its pure generator) does not need Django's app registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parlons.demo import corpus
from parlons.demo.plans import DEMO_USERNAMES, TEAM_LEADS


@dataclass
class BaseData:
    """What the ticket rows refer to, as plain ids and the snapshots history stores."""

    users: dict[str, tuple[int, str]]  # username -> (id, display name)
    teams: dict[str, int]
    groups: dict[str, int]
    group_teams: dict[str, int | None]
    tags: dict[str, dict]  # slug -> tag snapshot as history stores it
    trackers: dict[str, dict]  # key -> {"id", "name"}
    new_users: list[str]


def ensure_base(*, password: str) -> BaseData:
    """Create (or find) everything tickets refer to, through the services with the SYSTEM actor. New users
    get ``password``; existing users keep theirs."""
    from parlons.accounts.services import ensure_default_roles

    roles = ensure_default_roles()
    teams = _ensure_teams()
    users, new_users = _ensure_users(roles, teams, password)
    _ensure_team_leads(teams, users)
    groups = _ensure_channel_groups(teams)
    _ensure_group_sets(groups)
    tags = _ensure_tags()
    trackers = _ensure_trackers()
    return BaseData(
        users={u: (user.pk, user.display_name) for u, user in users.items()},
        teams={k: t.pk for k, t in teams.items()},
        groups={k: g.pk for k, g in groups.items()},
        group_teams={k: g.team_id for k, g in groups.items()},
        tags=tags,
        trackers=trackers,
        new_users=new_users,
    )


def _ensure_teams() -> dict[str, Any]:
    from parlons.accounts.models import Team
    from parlons.accounts.services import create_team
    from parlons.core.actors import SYSTEM

    teams = {}
    for key, (name, description) in corpus.TEAMS.items():
        teams[key] = Team.objects.filter(name=name).first() or create_team(
            actor=SYSTEM, name=name, description=description
        )
    return teams


def _ensure_users(roles: dict, teams: dict[str, Any], password: str) -> tuple[dict[str, Any], list[str]]:
    """The demo users and agents. The password is hashed once for all of them: one Argon2 hash takes ~0.15 s
    on the reference machine (more when it is busy), so thirty made the base data take ~4.5 s instead of
    ~0.5 s."""
    from django.contrib.auth.hashers import make_password

    from parlons.accounts.models import User
    from parlons.accounts.services import create_user
    from parlons.core.actors import SYSTEM

    users, new_users = {}, []
    password_hash = None
    for username, first, last, language, team, is_lead in (*corpus.DEMO_USERS, *corpus.AGENTS):
        user = User.objects.filter(username=username).first()
        if user is None:
            granted = [roles[username]] if username in DEMO_USERNAMES else [roles["agent"]]
            if is_lead and username not in DEMO_USERNAMES:
                granted.append(roles["lead"])
            # An operator-chosen training password is accepted as given (no strength rules): demo data only.
            password_hash = password_hash or make_password(password)
            user = create_user(
                actor=SYSTEM,
                username=username,
                email=f"{username}@{corpus.STAFF_EMAIL_DOMAIN}",
                first_name=first,
                last_name=last,
                language=language,
                password_hash=password_hash,
                teams=[teams[team]] if team else [],
                roles=granted,
            )
            new_users.append(username)
        users[username] = user
    return users, new_users


def _ensure_team_leads(teams: dict[str, Any], users: dict[str, Any]) -> None:
    from parlons.accounts.services import update_team
    from parlons.core.actors import SYSTEM

    for key, team in teams.items():
        if team.lead_id is None and key in TEAM_LEADS:
            update_team(team, actor=SYSTEM, lead=users[TEAM_LEADS[key]])


def _ensure_channel_groups(teams: dict[str, Any]) -> dict[str, Any]:
    from parlons.core.actors import SYSTEM
    from parlons.tickets import services
    from parlons.tickets.models import ChannelGroup

    groups = {}
    for spec in corpus.CHANNEL_GROUPS:
        group = ChannelGroup.objects.filter(
            channel__platform=spec.platform, external_id=spec.external_id
        ).first()
        groups[spec.key] = group or services.create_channel_group(
            actor=SYSTEM,
            platform=spec.platform,
            name=spec.name,
            external_id=spec.external_id,
            team=teams[spec.team],
            language=spec.language,
        )
    return groups


def _ensure_group_sets(groups: dict[str, Any]) -> None:
    """Groups spread across channels (e.g. "IRCC English": the English page, its Messenger and the English X
    account), found by English name."""
    from parlons.core.actors import SYSTEM
    from parlons.tickets import services
    from parlons.tickets.models import GroupSet

    for name_en, (name_fr, keys) in corpus.GROUP_SETS.items():
        if not GroupSet.objects.filter(name_en=name_en).exists():
            services.create_group_set(
                actor=SYSTEM, name_en=name_en, name_fr=name_fr, groups=[groups[key] for key in keys]
            )


def _ensure_tags() -> dict[str, dict]:
    """Lines of business, tag groups (parents first) and tags; returns each tag's history snapshot."""
    from parlons.core.actors import SYSTEM
    from parlons.tickets import services
    from parlons.tickets.models import LineOfBusiness, Tag, TagGroup
    from parlons.tickets.services._common import tag_ref

    lobs = {}
    for slug, (name_en, name_fr) in corpus.LINES_OF_BUSINESS.items():
        lobs[slug] = LineOfBusiness.objects.filter(slug=slug).first() or services.create_line_of_business(
            actor=SYSTEM, slug=slug, name_en=name_en, name_fr=name_fr
        )
    tag_groups: dict[str, Any] = {}
    for slug, (name_en, name_fr, parent, lob) in corpus.TAG_GROUPS.items():
        tag_groups[slug] = TagGroup.objects.filter(slug=slug).first() or services.create_tag_group(
            actor=SYSTEM,
            slug=slug,
            name_en=name_en,
            name_fr=name_fr,
            parent=tag_groups.get(parent),
            line_of_business=lobs[lob],
        )
    tags = {}
    for slug, (name_en, name_fr, group) in corpus.TAGS.items():
        tag = Tag.objects.filter(slug=slug).first() or services.create_tag(
            actor=SYSTEM, slug=slug, name_en=name_en, name_fr=name_fr, group=tag_groups[group]
        )
        tags[slug] = tag_ref(tag)
    return tags


def _ensure_trackers() -> dict[str, dict]:
    from parlons.core.actors import SYSTEM
    from parlons.tickets import services
    from parlons.tickets.models import Tracker

    trackers = {}
    for key, (name, description) in corpus.TRACKERS.items():
        tracker = Tracker.objects.filter(name=name).first() or services.create_tracker(
            actor=SYSTEM, name=name, description=description
        )
        trackers[key] = {"id": tracker.pk, "name": tracker.name}
    return trackers
