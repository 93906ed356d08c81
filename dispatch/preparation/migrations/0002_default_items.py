"""The shipped checklist items (dispatch/preparation/defaults.py)."""

from django.db import migrations

from dispatch.preparation.defaults import load_default_items


def forwards(apps, schema_editor):
    load_default_items(apps.get_model("preparation", "PreparationItem"))


class Migration(migrations.Migration):
    dependencies = [("preparation", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
