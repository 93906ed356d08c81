"""Which missions' checklists ask for an item; the shipped central-line item is for primary retrievals."""

from django.db import migrations, models

from dispatch.preparation.defaults import DEFAULT_SCOPES


def forwards(apps, schema_editor):
    item_model = apps.get_model("preparation", "PreparationItem")
    for key, scope in DEFAULT_SCOPES.items():
        item_model.objects.filter(key=key).update(applies_to=scope)


class Migration(migrations.Migration):
    dependencies = [
        ("preparation", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="preparationitem",
            name="applies_to",
            field=models.CharField(
                choices=[
                    ("every", "Every mission"),
                    ("primary", "Primary only: the team cannulates on site"),
                    ("secondary", "Secondary only: the patient is already on ECMO"),
                ],
                default="every",
                help_text="A patient already on ECMO needs nothing kept free for cannulation.",
                max_length=12,
                verbose_name="asked for",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
