from django.db import migrations

from hospitals.reference import load_reference_hospitals


def load(apps, schema_editor):
    load_reference_hospitals(apps.get_model("hospitals", "Hospital"))


class Migration(migrations.Migration):
    dependencies = [("hospitals", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
