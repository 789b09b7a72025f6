"""The helpdesk domain: contacts, channels and their groups, tickets, messages, notes, tags, trackers, history.

Only ``parlons/tickets/services`` writes these models (see ARCHITECTURE.md: the rule of the house).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    X = "x", "X"
    EMAIL = "email", _("E-mail")
    WEBCHAT = "webchat", _("Web chat")
    API = "api", "API"
    PHONE = "phone", _("Phone")


class MessageKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    MESSAGE = "message", _("Private message")
    MENTION = "mention", _("Mention")
    DM = "dm", _("Direct message")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    CALL = "call", _("Call")


# --- contacts -------------------------------------------------------------------------------------
class Contact(models.Model):
    """One member of the public, possibly known on several platforms (one identity each)."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class ContactIdentity(models.Model):
    """A contact's account on one platform: the handle agents see and the public profile (OPS-1)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(
        max_length=255, help_text="The platform's id for this person (PSID, wa_id…)"
    )
    handle = models.CharField(max_length=255, blank=True, db_index=True)
    display_name = models.CharField(max_length=255, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    profile = models.JSONField(default=dict, blank=True, help_text="Public profile fields from the platform")
    profile_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "external_id"], name="uniq_identity")]
        # The inbox's contact-handle filter compares case-insensitively (UPPER(handle) = UPPER(%s) on
        # PostgreSQL): this index serves it.
        indexes = [models.Index(Upper("handle"), name="identity_handle_upper")]
        verbose_name_plural = "contact identities"


# --- channels -------------------------------------------------------------------------------------
class Channel(models.Model):
    """An interaction channel (a platform as the team uses it: Facebook, WhatsApp, X, e-mail…)."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [models.UniqueConstraint(fields=["platform", "name"], name="uniq_channel_name")]

    def __str__(self) -> str:
        return self.name


class GroupSet(models.Model):
    """A group spread across channels (e.g. "Passports" = a Facebook page + an X account + a mailbox)."""

    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)


class ChannelGroup(models.Model):
    """A group inside a channel: one Facebook page, one WhatsApp number, one X account, one mailbox."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="groups")
    external_id = models.CharField(
        max_length=255, blank=True, help_text="Page id, phone-number id, account id…"
    )
    name = models.CharField(max_length=120)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=2, blank=True)
    group_sets = models.ManyToManyField(GroupSet, blank=True, related_name="groups")
    credentials_encrypted = models.TextField(
        blank=True, help_text="Fernet-encrypted JSON; write-only via the API"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel__platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="uniq_group_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def platform(self) -> str:
        return self.channel.platform

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


# --- tags -----------------------------------------------------------------------------------------
class LineOfBusiness(models.Model):
    """A line of business ("secteur d'activité") that tags and tag groups belong to (OPS-16, SRCH-7)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "lines of business"


class TagGroup(models.Model):
    """A group of tags; a group with a parent is a subgroup (SRCH-7)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subgroups"
    )
    line_of_business = models.ForeignKey(
        LineOfBusiness, null=True, blank=True, on_delete=models.SET_NULL, related_name="tag_groups"
    )

    class Meta:
        ordering = ["slug"]


class Tag(models.Model):
    """A descriptor ("descripteur") with an English and a French name (ADM-8)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120)
    group = models.ForeignKey(TagGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="tags")
    line_of_business = models.ForeignKey(
        LineOfBusiness, null=True, blank=True, on_delete=models.SET_NULL, related_name="tags"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def name_in(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en


# --- tickets --------------------------------------------------------------------------------------
class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)

    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_spam = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    language = models.CharField(max_length=2, blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    channel_group = models.ForeignKey(ChannelGroup, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # The platform conversation this ticket threads (post id + commenter, Messenger thread, WhatsApp wa_id…).
    conversation_key = models.CharField(max_length=255, blank=True)
    tags = models.ManyToManyField(Tag, through="TicketTag", related_name="tickets")
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="splits"
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_tickets",
    )
    sla_due_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_updated"),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_created"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_id"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_id"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["team", "status"], name="ticket_team_status"),
            models.Index(fields=["channel_group", "conversation_key", "status"], name="ticket_conversation"),
            # The inbox's lists (current work, spam) are a few percent of all tickets: these partial indexes
            # let a filtered page walk only them in order (at 1,000,000 tickets the "open, high priority,
            # facebook, tag, last 30 days" page went from 132 ms to 7 ms, spam from ~50 ms to 1 ms).
            models.Index(
                fields=["-updated_at", "-id"],
                name="ticket_open_updated",
                condition=models.Q(status__in=["new", "open", "pending"]),
            ),
            models.Index(
                fields=["-created_at", "-id"],
                name="ticket_open_created",
                condition=models.Q(status__in=["new", "open", "pending"]),
            ),
            models.Index(
                fields=["-updated_at", "-id"], name="ticket_spam_updated", condition=models.Q(is_spam=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class TicketTag(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="ticket_tags")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="uniq_ticket_tag")]
        indexes = [models.Index(fields=["tag", "ticket"], name="tickettag_tag_ticket")]


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    class Delivery(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sent_messages",
    )
    body = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.RECEIVED)
    delivery_error = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_message_external_id",
            )
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]


def attachment_path(instance, filename):
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, blank=True, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    external_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Note(models.Model):
    """An internal note: never sent to the client (OPS-4)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


class Tracker(models.Model):
    """A named collection that links and follows tickets in one place (OPS-18)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    tickets = models.ManyToManyField(Ticket, through="TrackerTicket", related_name="trackers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]


class TrackerTicket(models.Model):
    tracker = models.ForeignKey(Tracker, on_delete=models.CASCADE)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tracker", "ticket"], name="uniq_tracker_ticket")]


class TicketEvent(models.Model):
    """One entry of a ticket's history (OPS-19): typed data, rendered in the reader's language when read."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=40, blank=True, help_text="web, api, ingest, rule:12, system…")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]


class CannedResponse(models.Model):
    """A prepared answer in English and French that agents insert into a reply (BEY-4).

    ``team`` null means the response is offered to everyone; otherwise to that team's members (and to anyone
    holding tickets.manage). ``shortcut`` is a short keyword typed after ``/`` in the composer."""

    name = models.CharField(_("name"), max_length=120)
    shortcut = models.SlugField(_("shortcut"), max_length=40, blank=True)
    body_en = models.TextField(_("English text"), blank=True)
    body_fr = models.TextField(_("French text"), blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="canned_responses"
    )
    is_archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortcut"], condition=~Q(shortcut=""), name="uniq_canned_shortcut"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def body_in(self, language: str) -> str:
        """The text in ``language``, falling back to the other language when that one is empty."""
        if language == "fr":
            return self.body_fr or self.body_en
        return self.body_en or self.body_fr
