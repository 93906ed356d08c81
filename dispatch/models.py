from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Role(models.TextChoices):
    """Who a user is to the service; stored as Django groups of the same name."""

    COORDINATOR = "coordinator", _("Coordinator")
    TEAM_MEMBER = "team_member", _("Team member")
    REFERRER = "referrer", _("Referring doctor")


class TeamRole(models.TextChoices):
    ECMO_PHYSICIAN = "ecmo_physician", _("ECMO physician")
    PERFUSIONIST = "perfusionist", _("Perfusionist")
    NURSE = "nurse", _("Nurse")
    DRIVER = "driver", _("Driver")


class Profile(models.Model):
    """What the service needs to know about a person besides their login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    team_role = models.CharField(_("team role"), max_length=20, choices=TeamRole.choices, blank=True)
    phone = PhoneNumberField(_("mobile phone (E.164)"), blank=True)
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("For referring doctors: the one hospital whose missions they may see."),
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.get_team_role_display() or '—'})"


class Support(models.TextChoices):
    VA = "va", _("VA ECMO")
    VV = "vv", _("VV ECMO")
    ECPR = "ecpr", _("ECPR")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class MissionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    UNDER_REVIEW = "under_review", _("Under review")
    DECLINED = "declined", _("Declined")
    ADVICE_GIVEN = "advice_given", _("Advice given")
    CONVENTIONAL_TRANSFER = "conventional_transfer", _("Conventional transfer")
    TEAM_ACTIVATED = "team_activated", _("Team activated")
    TEAM_READY = "team_ready", _("Team ready")
    EN_ROUTE_OUT = "en_route_out", _("Team en route to patient")
    ON_SITE = "on_site", _("Team at bedside")
    CANNULATING = "cannulating", _("Cannulation started")
    ON_ECMO = "on_ecmo", _("ECMO flow established")
    EN_ROUTE_BACK = "en_route_back", _("En route to centre")
    ARRIVED = "arrived", _("Arrived at centre")
    COMPLETED = "completed", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")
    ABORTED = "aborted", _("Aborted")


class Mission(models.Model):
    """One referral and, if activated, the retrieval it leads to. Status changes only via services."""

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    referring_hospital = models.ForeignKey(
        "hospitals.Hospital", on_delete=models.PROTECT, related_name="referred_missions"
    )
    receiving_centre = models.ForeignKey(
        "hospitals.Hospital", on_delete=models.PROTECT, related_name="received_missions"
    )
    support = models.CharField(_("requested support"), max_length=4, choices=Support.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=MissionStatus.choices, default=MissionStatus.REQUESTED, editable=False
    )
    patient_age = models.PositiveSmallIntegerField(
        _("patient age (years)"), validators=[MinValueValidator(0), MaxValueValidator(120)]
    )
    patient_sex = models.CharField(_("patient sex"), max_length=8, choices=Sex.choices)
    patient_weight_kg = models.DecimalField(
        _("patient weight (kg)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
    )
    referring_physician = models.CharField(_("referring physician"), max_length=120)
    callback_phone = PhoneNumberField(_("callback phone (E.164)"))
    note = models.TextField(_("note"), blank=True)
    required_roles = models.JSONField(_("required team roles"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_missions"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status_changed_at = models.DateTimeField(_("current phase since"), null=True)

    # Phase timestamps, stamped by the state machine (the quality metrics are built on them).
    review_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    team_activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    team_ready_at = models.DateTimeField(null=True, blank=True, editable=False)
    departed_at = models.DateTimeField(null=True, blank=True, editable=False)
    on_site_at = models.DateTimeField(null=True, blank=True, editable=False)
    cannulation_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    flow_established_at = models.DateTimeField(null=True, blank=True, editable=False)
    departed_with_patient_at = models.DateTimeField(null=True, blank=True, editable=False)
    arrived_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["referring_hospital", "status"])]

    def __str__(self) -> str:
        return self.code


class MissionAssignment(models.Model):
    """A team member who accepted a role on a mission; it is what lets them see the mission."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    team_role = models.CharField(max_length=20, choices=TeamRole.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mission", "member"], name="assignment_unique_member"),
        ]

    def __str__(self) -> str:
        return f"{self.mission} {self.team_role}: {self.member}"


class YearCounter(models.Model):
    """Next mission number per year, locked while a code is handed out."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class EventSequence(models.Model):
    """Single-row counter for the global event sequence.

    Taking the next number locks this row until commit, so events commit in sequence order:
    a client that has seen N can never later miss an event numbered below N.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last_value)


class EventSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    SYSTEM = "system", _("System")


class AppendOnlyError(Exception):
    pass


class MissionEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Mission events are append-only.")

    def delete(self):
        raise AppendOnlyError("Mission events are append-only.")


class MissionEvent(models.Model):
    """The mission's timeline: append-only, globally sequenced."""

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="events")
    sequence = models.BigIntegerField(unique=True, editable=False)
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=8, choices=EventSource.choices)
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MissionEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="event_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.mission_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Mission events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Mission events are append-only.")
