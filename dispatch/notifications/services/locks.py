"""Row locks for alerting, always taken in one order: mission, then alert, then notification."""

from django.utils.translation import gettext as _

from dispatch.errors import NotVisible
from dispatch.models import Mission
from dispatch.notifications.models import Alert


def lock_alert(alert_id: int) -> tuple[Mission, Alert]:
    """Lock the alert's mission, then the alert. Call inside transaction.atomic()."""
    mission_id = Alert.objects.filter(pk=alert_id).values_list("mission_id", flat=True).first()
    if mission_id is None:
        raise NotVisible(_("Alert not found."))
    mission = Mission.objects.select_for_update(of=("self",)).select_related("referring_hospital").get(pk=mission_id)
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    return mission, alert
