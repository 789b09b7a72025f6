"""A default service standard so every ticket has due times out of the box (administrators change it)."""

from django.db import migrations


def create_default(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    BusinessHours = apps.get_model("sla", "BusinessHours")
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.create(
            name="Standard",
            channel_group=None,
            priority="",
            first_response_minutes=4 * 60,
            resolution_minutes=5 * 8 * 60,
            business_hours=True,
            warn_before_minutes=60,
        )
    if not BusinessHours.objects.exists():
        BusinessHours.objects.create()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
