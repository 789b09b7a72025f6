"""The chatbot role (hand-off only) and the hand-off permission for administrators (OPS-2)."""

from django.db import migrations

HANDOFF = "bots.handoff"


def add_bot_role(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.get_or_create(
        slug="bot", defaults={"name_en": "Chatbot", "name_fr": "Robot conversationnel", "permissions": [HANDOFF]}
    )
    admin = Role.objects.filter(slug="admin").first()
    if admin and HANDOFF not in admin.permissions:
        admin.permissions = sorted({*admin.permissions, HANDOFF})
        admin.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(add_bot_role, migrations.RunPython.noop)]
