from django.db import migrations

DEFAULT_ROLES = {
    "reader": ("Reader", "Lecteur", ["tickets.read"]),
    "agent": ("Agent", "Agent", ["tickets.publish", "tickets.read", "tickets.write"]),
    "lead": ("Team lead", "Chef d'équipe", ["reports.view", "tickets.manage", "tickets.publish", "tickets.read",
                                            "tickets.write"]),
    "analyst": ("Analyst", "Analyste", ["data.export", "reports.view", "tickets.read"]),
    "admin": ("Administrator", "Administrateur", ["data.export", "reports.view", "system.admin", "tickets.manage",
                                                  "tickets.publish", "tickets.read", "tickets.write"]),
}


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for slug, (name_en, name_fr, perms) in DEFAULT_ROLES.items():
        Role.objects.get_or_create(slug=slug, defaults={"name_en": name_en, "name_fr": name_fr, "permissions": perms})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
