from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
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
    # SMS, calls and pages speak the person's language; Slovene unless they chose English.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="sl"
    )

    class Meta:
        verbose_name, verbose_name_plural = _("profile"), _("profiles")

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


# The patient line ("54 let · ženska · 80 kg") names a person; the form's choice is the adjective
# that answers "Spol:" ("ženski"), which reads wrongly on its own.
PATIENT_SEX_WORDS = {
    Sex.FEMALE: pgettext_lazy("patient line", "female"),
    Sex.MALE: pgettext_lazy("patient line", "male"),
    Sex.UNKNOWN: pgettext_lazy("patient line", "sex unknown"),
}


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


class MissionKind(models.TextChoices):
    """Set at referral: does the team start ECMO on site, or take over a circuit already running?"""

    PRIMARY = "primary", _("Primary: the team cannulates on site")
    SECONDARY = "secondary", _("Secondary: the patient is already on ECMO")


class Outcome(models.TextChoices):
    """How a mission ended, in the words a retrieval registry uses (see docs/states.md)."""

    # Derived when the mission is handed over at the centre.
    CANNULATED_TRANSPORTED = "cannulated_transported", _("Cannulated on site and transported")
    TRANSPORTED_WITHOUT_ECMO = "transported_without_ecmo", _("Transported without ECMO")
    TRANSFERRED_ON_ECMO = "transferred_on_ecmo", _("Transferred on ECMO (circuit taken over)")
    TRANSPORTED_CONVENTIONALLY = "transported_conventionally", _("Conventional transfer, no ECMO team")
    # Aborted: the team went out, the mission ended before hand-over.
    DIED_BEFORE_TEAM_ARRIVAL = "died_before_team_arrival", _("Died before the team arrived")
    DIED_DURING_CANNULATION = "died_during_cannulation", _("Died during cannulation")
    NOT_A_CANDIDATE_ON_SITE = "not_a_candidate_on_site", _("Not an ECMO candidate on site")
    IMPROVED_NO_ECMO_NEEDED = "improved_no_ecmo_needed", _("Improved, no ECMO needed")
    CANNULATED_NOT_TRANSPORTABLE = "cannulated_not_transportable", _("Cannulated, not transportable")
    VEHICLE_OR_EQUIPMENT_FAILURE = "vehicle_or_equipment_failure", _("Vehicle or equipment failure")
    # Cancelled: ended before the team left.
    PATIENT_DIED = "patient_died", _("Patient died")
    PATIENT_IMPROVED = "patient_improved", _("Patient improved")
    REFERRER_WITHDREW = "referrer_withdrew", _("Referring doctor withdrew the request")
    TEAM_UNAVAILABLE = "team_unavailable", _("Team unavailable")
    TRANSFERRED_ELSEWHERE = "transferred_elsewhere", _("Transferred elsewhere")
    # An activation drill ends as one (cancelled by the system at team ready or at its timeout).
    DRILL_ENDED = "drill_ended", _("Drill ended")
    OTHER = "other", _("Other")


class SupportMode(models.TextChoices):
    """The ECMO configuration actually running once flow is established."""

    VV = "vv", _("VV")
    VA = "va", _("VA")
    VAV = "vav", _("VAV")


class TransportMode(models.TextChoices):
    ROAD = "road", _("Road")
    HELICOPTER = "helicopter", _("Helicopter")


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
    kind = models.CharField(
        _("mission kind"), max_length=10, choices=MissionKind.choices, default=MissionKind.PRIMARY, editable=False
    )
    patient_reference = models.CharField(
        _("patient reference at the referring hospital"),
        max_length=60,
        blank=True,
        help_text=_("The referring hospital's own reference; shown to the centre, never sent by SMS."),
    )
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
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # The first call, which often comes before the form is typed: every interval starts here.
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
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
    # What actually happened (statuses.py says which change sets each); corrections change them.
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True, editable=False)
    support_mode = models.CharField(
        _("ECMO support mode"), max_length=4, choices=SupportMode.choices, blank=True, editable=False
    )
    outbound_transport_mode = models.CharField(
        _("transport to the patient"), max_length=12, choices=TransportMode.choices, blank=True, editable=False
    )
    return_transport_mode = models.CharField(
        _("transport to the centre"), max_length=12, choices=TransportMode.choices, blank=True, editable=False
    )
    # An activation drill: pages the real team, never counted in clinical figures or shown to referrers.
    is_drill = models.BooleanField(_("drill"), default=False, editable=False)
    review_at = models.DateTimeField(_("review advice at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name, verbose_name_plural = _("mission"), _("missions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["referring_hospital", "status"])]

    def __str__(self) -> str:
        return self.code

    def patient_sex_word(self) -> str:
        """The patient's sex as the patient line says it ("ženska"), not as the form asks it."""
        return str(PATIENT_SEX_WORDS.get(self.patient_sex, self.get_patient_sex_display()))


class MissionAssignment(models.Model):
    """A team member who accepted a role on a mission; it is what lets them see the mission."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    team_role = models.CharField(max_length=20, choices=TeamRole.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("team assignment"), _("team assignments")
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
    # When it happened (a tap queued offline, the first call); `created_at` is when it was recorded.
    occurred_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MissionEventQuerySet.as_manager()

    class Meta:
        verbose_name, verbose_name_plural = _("mission event"), _("mission events")
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


class AdverseCategory(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CIRCUIT = "circuit", _("Circuit")
    EQUIPMENT = "equipment", _("Equipment")
    VEHICLE = "vehicle", _("Vehicle")
    TEAM = "team", _("Team")
    OTHER = "other", _("Other")


# What happened, per category: the codes a report may name (docs/states.md lists them).
ADVERSE_EVENT_CODES: dict[str, dict[str, str]] = {
    AdverseCategory.PATIENT: {
        "desaturation": _("Desaturation"),
        "hypotension": _("Hypotension"),
        "arrhythmia": _("Arrhythmia"),
        "cardiac_arrest": _("Cardiac arrest"),
        "bleeding": _("Bleeding"),
        "hypothermia": _("Hypothermia"),
        "other": _("Other"),
    },
    AdverseCategory.CIRCUIT: {
        "cannula_dislodgement": _("Cannula dislodgement"),
        "oxygenator_failure": _("Oxygenator failure"),
        "pump_failure": _("Pump failure"),
        "air_in_circuit": _("Air in circuit"),
        "circuit_thrombosis": _("Clot in circuit"),
        "other": _("Other"),
    },
    AdverseCategory.EQUIPMENT: {
        "power_failure": _("Power failure"),
        "gas_supply": _("Gas supply"),
        "monitor_failure": _("Monitor failure"),
        "other": _("Other"),
    },
    AdverseCategory.VEHICLE: {
        "vehicle_breakdown": _("Vehicle breakdown"),
        "traffic_delay": _("Traffic delay"),
        "weather": _("Weather"),
        "other": _("Other"),
    },
    AdverseCategory.TEAM: {
        "communication_failure": _("Communication failure"),
        "team_injury": _("Team member injured"),
        "delayed_activation": _("Delayed activation"),
        "other": _("Other"),
    },
    AdverseCategory.OTHER: {"other": _("Other")},
}


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    FATAL = "fatal", _("Fatal")


class AdverseEvent(models.Model):
    """Something that went wrong during a mission, for the quality record; never edited, only added."""

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="adverse_events")
    category = models.CharField(_("category"), max_length=12, choices=AdverseCategory.choices)
    code = models.CharField(_("what happened"), max_length=40)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    phase = models.CharField(_("phase"), max_length=24, choices=MissionStatus.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(MissionEvent, on_delete=models.PROTECT, related_name="adverse_event")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("adverse event"), _("adverse events")
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.mission_id} {self.category}/{self.code} ({self.severity})"
