"""What is added to a mission after it ends: the team's debrief and the patient's follow-up.

Both are written through `dispatch.records.services`, each with a timeline event, so the
mission's history says who entered what and when. The record itself is read, never stored:
`dispatch.records.record.mission_record` builds it from the mission, its events and these rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Debrief(models.Model):
    """The team's short structured look back at a completed or aborted mission (one per mission)."""

    mission = models.OneToOneField(
        "dispatch.Mission", on_delete=models.PROTECT, related_name="debrief", verbose_name=_("mission")
    )
    went_well = models.TextField(_("what went well"))
    went_wrong = models.TextField(_("what went wrong"))
    equipment_issues = models.TextField(_("equipment issues"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # The timeline event that announced it.
    event = models.OneToOneField(
        "dispatch.MissionEvent", on_delete=models.PROTECT, related_name="debrief", verbose_name=_("event")
    )

    class Meta:
        verbose_name = _("debrief")
        verbose_name_plural = _("debriefs")

    def __str__(self) -> str:
        return f"debrief of mission {self.mission_id}"


class DebriefAction(models.Model):
    """Something to follow up after the debrief, and the person who owns it."""

    debrief = models.ForeignKey(Debrief, on_delete=models.CASCADE, related_name="actions", verbose_name=_("debrief"))
    action = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="debrief_actions", verbose_name=_("owner")
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.action


class Survival(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class PatientFollowUp(models.Model):
    """What became of the patient, for the ECMO registry; entered later by a coordinator."""

    mission = models.OneToOneField(
        "dispatch.Mission", on_delete=models.PROTECT, related_name="follow_up", verbose_name=_("mission")
    )
    decannulated_on = models.DateField(_("decannulated on"), null=True, blank=True)
    survived_ecmo = models.CharField(
        _("survived to ECMO discharge"), max_length=8, choices=Survival.choices, default=Survival.UNKNOWN
    )
    survived_hospital = models.CharField(
        _("survived to hospital discharge"), max_length=8, choices=Survival.choices, default=Survival.UNKNOWN
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("patient follow-up")
        verbose_name_plural = _("patient follow-ups")

    def __str__(self) -> str:
        return f"follow-up of mission {self.mission_id}"
