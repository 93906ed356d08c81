"""Decision SMS now go through the one outbound pipeline (notifications.Notification).

Existing rows are carried over first, so no decision SMS is lost or sent again: a sent one stays
"sent" with its provider id, a failed one becomes "error", a pending one stays pending and the
reconcile task sends it.
"""

from django.db import migrations

STATUS = {"pending": "pending", "sent": "sent", "failed": "error"}


def carry_over(apps, schema_editor):
    DecisionSms = apps.get_model("referrals", "DecisionSms")
    Notification = apps.get_model("notifications", "Notification")
    for sms in DecisionSms.objects.all().order_by("pk"):
        status = STATUS.get(sms.status, "error")
        history = [{"status": status, "at": (sms.sent_at or sms.created_at).isoformat(), "migrated": True}]
        Notification.objects.get_or_create(
            event_id=sms.event_id,
            purpose="decision",
            defaults={
                "mission_id": sms.mission_id,
                "channel": "sms",
                "to_number": sms.to_number,
                "body": sms.body,
                "backend": sms.backend,
                "provider_sid": sms.provider_sid or None,
                "status": status,
                "status_history": history if status != "pending" else [],
                "error_reason": sms.error,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("notifications", "0003_outbound_pipeline"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="DecisionSms"),
    ]
