"""Team alerting: on-call roster, one alert per required role, and every page sent for it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dispatch.models import TeamRole


class Tier(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    BACKUP = "backup", _("Backup")


class Shift(models.Model):
    """One person on call for one team role over a time span."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    team_role = models.CharField(_("team role"), max_length=20, choices=TeamRole.choices)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.PRIMARY)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("shift"), _("shifts")
        ordering = ["starts_at", "team_role", "tier"]
        indexes = [models.Index(fields=["team_role", "starts_at", "ends_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.team_role}/{self.tier}: {self.member} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


FROM_SETTINGS = _("Empty: the ESCALATION_* setting (see README).")


class EscalationPolicy(models.Model):
    """Per-role timings. The ESCALATION_* settings are the one source of defaults: an empty field
    (or a role without a row) uses them, so no default lives here as well."""

    team_role = models.CharField(_("team role"), max_length=20, choices=TeamRole.choices, unique=True)
    sms_wait_s = models.PositiveIntegerField(
        _("wait after SMS to primary (s)"), null=True, blank=True, help_text=FROM_SETTINGS
    )
    call_wait_s = models.PositiveIntegerField(
        _("wait after calling primary (s)"), null=True, blank=True, help_text=FROM_SETTINGS
    )
    backup_wait_s = models.PositiveIntegerField(
        _("wait after paging backup (s)"), null=True, blank=True, help_text=FROM_SETTINGS
    )
    everyone_wait_s = models.PositiveIntegerField(
        _("wait after paging everyone in the role (s)"), null=True, blank=True, help_text=FROM_SETTINGS
    )
    call_attempts = models.PositiveSmallIntegerField(
        _("calls per person before moving on"), null=True, blank=True, help_text=FROM_SETTINGS
    )
    ring_timeout_s = models.PositiveSmallIntegerField(
        _("ring time per call (s)"), null=True, blank=True, help_text=FROM_SETTINGS
    )

    class Meta:
        verbose_name, verbose_name_plural = _("escalation policy"), _("escalation policies")

    def __str__(self) -> str:
        return f"policy {self.team_role}"


class AlertState(models.TextChoices):
    PAGING = "paging", _("Paging")
    ACCEPTED = "accepted", _("Accepted")
    UNCOVERED = "uncovered", _("Uncovered")
    COVERED_BY_PHONE = "covered_by_phone", _("Covered by phone call")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (AlertState.PAGING, AlertState.UNCOVERED)
COVERED_STATES = (AlertState.ACCEPTED, AlertState.COVERED_BY_PHONE)


class Alert(models.Model):
    """Paging one team role for one mission. The database row is the truth about escalation."""

    mission = models.ForeignKey("dispatch.Mission", on_delete=models.CASCADE, related_name="alerts")
    team_role = models.CharField(max_length=20, choices=TeamRole.choices)
    state = models.CharField(max_length=20, choices=AlertState.choices, default=AlertState.PAGING)
    message = models.TextField()
    # Policy copied when the alert opens: editing the policy never changes a page in flight.
    policy = models.JSONField(default=dict)
    step_index = models.PositiveSmallIntegerField(default=0, help_text="Index of the next policy step to run.")
    next_step_due_at = models.DateTimeField(null=True, blank=True)
    active_token = models.UUIDField(null=True, blank=True, help_text="Only a task carrying this token may act.")
    run_count = models.PositiveIntegerField(default=0, help_text="Runs so far (steps and direct pages).")
    current_run = models.PositiveIntegerField(default=0, help_text="The run of the escalation step in force.")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    covered_note = models.TextField(blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("alert"), _("alerts")
        ordering = ["-opened_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["mission", "team_role"], name="alert_one_per_mission_role")]
        indexes = [models.Index(fields=["state", "next_step_due_at"])]

    def __str__(self) -> str:
        return f"{self.mission_id}/{self.team_role} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def new_token(self) -> uuid.UUID:
        self.active_token = uuid.uuid4()
        return self.active_token


class Response(models.TextChoices):
    NONE = "", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class AlertRecipient(models.Model):
    """A person paged for an alert, and what they answered."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pages")
    tier = models.CharField(max_length=12)  # primary, backup, everyone, named
    first_paged_at = models.DateTimeField(auto_now_add=True)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_via = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("person paged"), _("people paged")
        constraints = [models.UniqueConstraint(fields=["alert", "member"], name="recipient_unique_member")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.member} {self.response or '-'}"


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")


class Purpose(models.TextChoices):
    PAGE = "page", _("Page")
    UNCOVERED = "uncovered", _("Role uncovered (to coordinator)")
    ROSTER_GAP = "roster_gap", _("Roster gap (to coordinator)")
    STAND_DOWN = "stand_down", _("Stand down (role covered, or no team needed)")
    DECISION = "decision", _("Decision (to the referring doctor)")
    STANDBY = "standby", _("Standby: possible activation")
    REVIEW_DUE = "review_due", _("Advice review due")
    PREPARATION = "preparation", _("Preparation and expected arrival (to the referring ICU)")
    TEST = "test", _("Test page (asked for by the member)")
    ROSTER = "roster", _("Roster change (a swap decided, to its members)")


# Delivery statuses in the order they may happen; a status only ever moves to a higher rank.
PENDING = "pending"
# Handed to the provider, answer not yet recorded: a worker that dies mid-request leaves this,
# never "pending", so nothing resends blindly; the status callback or reconcile settles it.
CLAIMED = "claimed"
ERROR = "error"  # the provider refused it or never answered: it never left
SKIPPED = "skipped"
SMS_RANK = {PENDING: 0, CLAIMED: 0.5, "accepted": 1, "queued": 2, "sending": 3, "sent": 4,
            "delivered": 5, "undelivered": 5, "failed": 5, ERROR: 5, SKIPPED: 5, "read": 6}
CALL_RANK = {PENDING: 0, CLAIMED: 0.5, "queued": 1, "initiated": 2, "ringing": 3, "in-progress": 4,
             "completed": 5, "busy": 5, "no-answer": 5, "failed": 5, "canceled": 5, ERROR: 5, SKIPPED: 5}
SMS_FAILED = frozenset({"undelivered", "failed", ERROR, SKIPPED})
CALL_FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled", ERROR, SKIPPED})


class Notification(models.Model):
    """One outgoing SMS or call, of any purpose: every message the service sends is one of these.

    Sent at most once: a page is unique by (alert, run, channel, recipient, attempt), a message
    caused by a timeline event (the decision SMS, a standby, a stand-down) by (event, purpose,
    number): one event may tell several people, each of them once.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    mission = models.ForeignKey(
        "dispatch.Mission", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    event = models.ForeignKey(
        "dispatch.MissionEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The timeline event this message announces (one message per event, purpose and number).",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.PAGE)
    run = models.PositiveIntegerField(default=0)
    step = models.SmallIntegerField(default=0, help_text="Policy step index; -1 for a coordinator's direct page.")
    channel = models.CharField(max_length=6, choices=Channel.choices)
    attempt = models.PositiveSmallIntegerField(default=1)
    to_number = models.CharField(max_length=20)
    body = models.TextField()
    backend = models.CharField(max_length=20, blank=True)
    provider_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, default=PENDING)
    status_history = models.JSONField(default=list)
    error_code = models.IntegerField(null=True, blank=True)
    error_reason = models.TextField(blank=True)
    digits = models.CharField(max_length=8, blank=True, help_text="Keys pressed on a call.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name, verbose_name_plural = _("message (SMS or call)"), _("messages (SMS and calls)")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "run", "channel", "recipient", "attempt"],
                condition=Q(alert__isnull=False),
                name="notification_sent_once",
            ),
            models.UniqueConstraint(
                fields=["event", "purpose", "to_number"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event_number",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to_number} ({self.status})"

    @property
    def rank(self) -> dict[str, int]:
        return SMS_RANK if self.channel == Channel.SMS else CALL_RANK

    @property
    def finished_without_answer(self) -> bool:
        """Nothing more can come of it: failed SMS, or a call that ended without a keypress."""
        if self.channel == Channel.SMS:
            return self.status in SMS_FAILED
        return self.status in CALL_FINAL and not self.digits


class PagingContact(models.Model):
    """Per person: SMS opt-out (STOP/START) and channels that failed for good on their number."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paging_contact")
    sms_opted_out = models.BooleanField(default=False)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    blocked_number = models.CharField(max_length=20, blank=True, help_text="The number the blocks below apply to.")
    sms_blocked_code = models.IntegerField(null=True, blank=True)
    voice_blocked_code = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name, verbose_name_plural = _("paging contact"), _("paging contacts")

    def __str__(self) -> str:
        return f"{self.member}: sms_opted_out={self.sms_opted_out}"


class InboundSms(models.Model):
    """Every SMS a person sent us and what we made of it (audit, rate limit)."""

    from_number = models.CharField(max_length=20, db_index=True)
    body = models.TextField()
    provider_sid = models.CharField(max_length=64, blank=True)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    outcome = models.CharField(max_length=20)
    answered = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("SMS received"), _("SMS received")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.body[:20]} ({self.outcome})"


class Heartbeat(models.Model):
    """When a periodic job last ran (and small state it keeps between runs)."""

    name = models.CharField(max_length=60, primary_key=True)
    last_run_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("heartbeat of a periodic job"), _("heartbeats of periodic jobs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at}"
