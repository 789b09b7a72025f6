"""Users, teams, roles (permission sets granted to a user or a team), API tokens and security events."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parlons.accounts.permissions import ALL_PERMISSIONS


class Language(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An employee profile: a person who signs in (agents, leads, analysts, administrators) or a bot."""

    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Toronto")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    is_bot = models.BooleanField(default=False, help_text="A conversational agent acting through the API.")
    is_away = models.BooleanField(default=False)
    # WCAG 2.1.4: single-key shortcuts can be turned off; kept on the profile so it holds on every device.
    shortcuts_enabled = models.BooleanField(_("keyboard shortcuts"), default=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        if not parts:
            return self.username[:2].upper()
        return "".join(p[0] for p in parts).upper()


class Role(models.Model):
    """A named set of permissions (ADM-5), granted to users or to whole teams (ADM-3)."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120)
    permissions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def clean_permissions(self) -> list[str]:
        return sorted(p for p in self.permissions if p in ALL_PERMISSIONS)


class RoleGrant(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="role_grants"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="role_grants"
    )
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False)
                ),
                name="rolegrant_user_xor_team",
            ),
            models.UniqueConstraint(
                fields=["role", "user"], condition=Q(user__isnull=False), name="uniq_role_user"
            ),
            models.UniqueConstraint(
                fields=["role", "team"], condition=Q(team__isnull=False), name="uniq_role_team"
            ),
        ]


class ApiToken(models.Model):
    """A bearer token bound to a user and a set of scopes (permission codes). Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class SecurityEvent(models.Model):
    """The audit trail of security-relevant actions (sign-ins, lockouts, grants, tokens, bad signatures)."""

    class Severity(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        CRITICAL = "critical"

    kind = models.CharField(max_length=64, db_index=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
