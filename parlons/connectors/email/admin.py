from django.contrib import admin

from parlons.connectors.email.models import Forward, MailboxSettings


@admin.register(MailboxSettings)
class MailboxSettingsAdmin(admin.ModelAdmin):
    list_display = ("channel_group", "updated_at")


@admin.register(Forward)
class ForwardAdmin(admin.ModelAdmin):
    list_display = ("ticket", "to_address", "state", "answers", "created_at")
    readonly_fields = [f.name for f in Forward._meta.fields]
