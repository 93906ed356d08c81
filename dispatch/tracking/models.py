from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Position(models.Model):
    """Where one team member's phone was during travel, and the arrival it implied.

    Personal location data: kept only while the mission runs (deleted when it ends, see
    `dispatch.tracking.services.purge_ended_mission_positions`) and never put in events.
    """

    mission = models.ForeignKey(
        "dispatch.Mission", on_delete=models.CASCADE, related_name="positions", verbose_name=_("mission")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("team member")
    )
    phase = models.CharField(_("phase"), max_length=24)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at (phone)"))
    received_at = models.DateTimeField(_("received at (server)"))
    destination_code = models.CharField(_("destination (hospital code)"), max_length=12)
    remaining_km = models.FloatField(_("remaining distance (km)"))
    remaining_min = models.FloatField(_("remaining time (min)"))
    expected_arrival_at = models.DateTimeField(_("expected arrival"))

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        indexes = [
            models.Index(fields=["mission", "phase", "-recorded_at"], name="position_mission_latest"),
            models.Index(fields=["member", "-received_at"], name="position_member_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90), name="position_latitude_range"
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=-180, longitude__lte=180), name="position_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id} {self.member_id} {self.recorded_at:%H:%M:%S}"
