from django.db import migrations

ROLES = ["coordinator", "team_member", "referrer"]

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION dispatch_missionevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dispatch_missionevent is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dispatch_missionevent_no_update_delete
    BEFORE UPDATE OR DELETE ON dispatch_missionevent
    FOR EACH ROW EXECUTE FUNCTION dispatch_missionevent_append_only();
"""
APPEND_ONLY_SQL_SQLITE = [
    """CREATE TRIGGER dispatch_missionevent_no_update BEFORE UPDATE ON dispatch_missionevent
       BEGIN SELECT RAISE(ABORT, 'dispatch_missionevent is append-only'); END;""",
    """CREATE TRIGGER dispatch_missionevent_no_delete BEFORE DELETE ON dispatch_missionevent
       BEGIN SELECT RAISE(ABORT, 'dispatch_missionevent is append-only'); END;""",
]


def create_roles_and_sequence(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    apps.get_model("dispatch", "EventSequence").objects.get_or_create(pk=1)


def append_only_trigger(apps, schema_editor):
    """The database itself refuses to change history, whatever code runs against it."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in APPEND_ONLY_SQL_SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(create_roles_and_sequence, migrations.RunPython.noop),
        migrations.RunPython(append_only_trigger, migrations.RunPython.noop),
    ]
