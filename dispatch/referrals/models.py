"""A referral's clinical presentation, its change history, and the decision SMS to the referrer.

Every clinical field is nullable: NULL means "not given", never zero or "no". Units are in the
field names; gases are stored in mmHg and FiO2 as a fraction, whatever the referrer typed.
Changes after submission go through `services.update_clinical_values`, which keeps a
`ReferralChange` row per field, so nothing is overwritten silently.
"""

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dispatch.referrals import clinical


def _name(field: str):
    """The admin's name of a clinical field: the form's label (`clinical.FIELDS`), with its unit."""
    spec = clinical.BY_NAME[field]
    if not spec.unit:
        return spec.label
    return format_lazy("{} ({})", spec.label, clinical.UNIT_WORDS.get(spec.unit, spec.unit))


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, clinical.CHOICE_LABELS.get(v, v.replace("_", " "))) for v in values]


def _float(field: str, help_text: str = "") -> models.FloatField:
    return models.FloatField(_name(field), null=True, blank=True, help_text=help_text)


def _int(field: str, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(_name(field), null=True, blank=True, help_text=help_text)


def _bool(field: str) -> models.BooleanField:
    return models.BooleanField(_name(field), null=True, blank=True)


def _choice(field: str) -> models.CharField:
    return models.CharField(
        _name(field), max_length=40, null=True, blank=True, choices=_choices(clinical.BY_NAME[field].choices)
    )


class Referral(models.Model):
    """The structured presentation of one mission's patient (age, sex, weight, support: on the mission)."""

    mission = models.OneToOneField(
        "dispatch.Mission", on_delete=models.PROTECT, related_name="referral", verbose_name=_("mission")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Patient and indication
    height_cm = _float("height_cm")
    vv_cause = _choice("vv_cause")
    va_cause = _choice("va_cause")
    # Gas exchange and ventilation (worst values)
    pao2_mmhg = _float("pao2_mmhg", _("PaO2 in mmHg; a value typed in kPa is converted."))
    fio2 = _float("fio2", _("A fraction 0.21–1.0; a value typed in percent is converted."))
    peep_cmh2o = _float("peep_cmh2o")
    plateau_cmh2o = _float("plateau_cmh2o")
    peak_cmh2o = _float("peak_cmh2o")
    compliance_ml_cmh2o = _float("compliance_ml_cmh2o")
    ph = _float("ph")
    paco2_mmhg = _float("paco2_mmhg", _("PaCO2 in mmHg; a value typed in kPa is converted."))
    hco3_mmol_l = _float("hco3_mmol_l")
    cxr_quadrants = _int("cxr_quadrants", _("Quadrants with alveolar consolidation (0–4)."))
    ventilation_hours = _float(
        "ventilation_hours", _("Hours of mechanical ventilation so far (the form asks days and hours).")
    )
    worst_values_hours = _float("worst_values_hours", _("Hours the worst gas values have lasted."))
    respiratory_rate = _float("respiratory_rate")
    prone_positioning = _bool("prone_positioning")
    neuromuscular_blockade = _bool("neuromuscular_blockade")
    inhaled_no = _bool("inhaled_no")
    bicarbonate_infusion = _bool("bicarbonate_infusion")
    # Haemodynamics
    map_mmhg = _float("map_mmhg")
    diastolic_mmhg = _float("diastolic_mmhg")
    pulse_pressure_mmhg = _float("pulse_pressure_mmhg")
    lactate_mmol_l = _float("lactate_mmol_l")
    vasopressors = _bool("vasopressors")
    inotropes = _bool("inotropes")
    # Cardiac arrest
    cardiac_arrest = _bool("cardiac_arrest")
    arrest_witnessed = _bool("arrest_witnessed")
    bystander_cpr = _bool("bystander_cpr")
    initial_rhythm = _choice("initial_rhythm")
    no_flow_min = _float("no_flow_min")
    low_flow_min = _float("low_flow_min")
    shocks = _int("shocks")
    # Organ failure and comorbidities
    immunocompromised = _bool("immunocompromised")
    cns_dysfunction = _bool("cns_dysfunction")
    acute_nonpulmonary_infection = _bool("acute_nonpulmonary_infection")
    liver_failure = _bool("liver_failure")
    acute_renal_failure = _bool("acute_renal_failure")
    chronic_renal_failure = _bool("chronic_renal_failure")
    malignancy_poor_prognosis = _bool("malignancy_poor_prognosis")
    transplant = _bool("transplant")
    sofa = _int("sofa", _("SOFA score (0–24), if known."))
    # Contraindications checklist
    anticoagulation_contraindicated = _bool("anticoagulation_contraindicated")
    severe_coagulopathy = _bool("severe_coagulopathy")
    moribund_multiorgan_failure = _bool("moribund_multiorgan_failure")
    severe_anoxic_brain_injury = _bool("severe_anoxic_brain_injury")
    massive_intracranial_haemorrhage = _bool("massive_intracranial_haemorrhage")
    chronic_respiratory_failure_no_transplant = _bool("chronic_respiratory_failure_no_transplant")
    uncontrolled_bleeding = _bool("uncontrolled_bleeding")
    terminal_illness = _bool("terminal_illness")
    end_stage_organ_failure_no_transplant = _bool("end_stage_organ_failure_no_transplant")
    # What the referrer typed where it is not the stored unit, so their page shows "PaO2 7 kPa" as
    # they gave it: {"pao2_mmhg": {"value": 7.0, "unit": "kPa"}, "fio2": {"value": 60.0, "unit": "%"},
    # "ventilation_hours": {"days": 2.0, "hours": 5.0}}. The scores read the converted fields.
    as_typed = models.JSONField(
        _("values as typed"), default=dict, blank=True, help_text=_("Values as typed, with the unit typed.")
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral of mission {self.mission_id}"


class ReferralChange(models.Model):
    """One clinical value changed after submission: who, when, old → new, through which channel."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="changes", verbose_name=_("referral")
    )
    field = models.CharField(_("field"), max_length=60)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=8)
    # The timeline event announcing this batch of changes.
    event = models.ForeignKey(
        "dispatch.MissionEvent", on_delete=models.PROTECT, related_name="+", verbose_name=_("event")
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("referral change")
        verbose_name_plural = _("referral changes")

    def __str__(self) -> str:
        return f"{self.referral_id} {self.field}: {self.old_value} → {self.new_value}"


class ClinicalReadQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the log of clinical reads is append-only")

    def delete(self):
        raise TypeError("the log of clinical reads is append-only")


class ClinicalRead(models.Model):
    """One read of a patient's clinical data: who, when, which mission, from where, through what.

    Append-only (model, queryset, admin and a database trigger refuse changes): it answers
    "who read which patient" for the data protection officer (GDPR Art. 9 health data).
    Written by `dispatch.referrals.audit.record_read` before the data is rendered.
    """

    read_at = models.DateTimeField(_("read at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    mission = models.ForeignKey(
        "dispatch.Mission", on_delete=models.PROTECT, related_name="+", verbose_name=_("mission")
    )
    # Which view: e.g. "api.referral", "page.referral", "page.mission" (see audit.ENDPOINTS).
    endpoint = models.CharField(_("endpoint"), max_length=40)
    path = models.CharField(_("path"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, unpack_ipv4=True)
    user_agent = models.CharField(_("browser (user agent)"), max_length=300, blank=True)

    objects = ClinicalReadQuerySet.as_manager()

    class Meta:
        ordering = ["-read_at", "-pk"]
        verbose_name = _("clinical data read")
        verbose_name_plural = _("clinical data reads")
        indexes = [
            models.Index(fields=["mission", "-read_at"], name="clinicalread_mission_idx"),
            models.Index(fields=["user", "-read_at"], name="clinicalread_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read mission {self.mission_id} via {self.endpoint} at {self.read_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("the log of clinical reads is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the log of clinical reads is append-only")
