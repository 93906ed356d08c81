"""A referral's clinical presentation, its change history, and the decision SMS to the referrer.

Every clinical field is nullable: NULL means "not given", never zero or "no". Units are in the
field names; gases are stored in mmHg and FiO2 as a fraction, whatever the referrer typed.
Changes after submission go through `services.update_clinical_values`, which keeps a
`ReferralChange` row per field, so nothing is overwritten silently.
"""

from django.conf import settings
from django.db import models

from dispatch.decision_support import inputs as ds


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]


def _float(help_text: str) -> models.FloatField:
    return models.FloatField(null=True, blank=True, help_text=help_text)


def _int(help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(null=True, blank=True, help_text=help_text)


def _bool(help_text: str) -> models.BooleanField:
    return models.BooleanField(null=True, blank=True, help_text=help_text)


def _choice(values: tuple[str, ...], help_text: str) -> models.CharField:
    return models.CharField(max_length=40, null=True, blank=True, choices=_choices(values), help_text=help_text)


class Referral(models.Model):
    """The structured presentation of one mission's patient (age, sex, weight, support: on the mission)."""

    mission = models.OneToOneField("dispatch.Mission", on_delete=models.PROTECT, related_name="referral")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Patient and indication
    height_cm = _float("Height (cm).")
    vv_cause = _choice(ds.VV_CAUSES, "Cause of ARDS, for VV ECMO.")
    va_cause = _choice(ds.VA_CAUSES, "Cause of cardiogenic shock, for VA ECMO.")
    # Gas exchange and ventilation (worst values)
    pao2_mmhg = _float("PaO2 (mmHg; kPa input is converted).")
    fio2 = _float("FiO2 as a fraction 0.21–1.0 (percent input is converted).")
    peep_cmh2o = _float("PEEP (cmH2O).")
    plateau_cmh2o = _float("Plateau pressure (cmH2O).")
    peak_cmh2o = _float("Peak inspiratory pressure (cmH2O).")
    compliance_ml_cmh2o = _float("Static compliance (mL/cmH2O).")
    ph = _float("Arterial pH.")
    paco2_mmhg = _float("PaCO2 (mmHg; kPa input is converted).")
    hco3_mmol_l = _float("Bicarbonate (mmol/L).")
    cxr_quadrants = _int("Chest X-ray quadrants with alveolar consolidation (0–4).")
    ventilation_hours = _float("Hours of mechanical ventilation so far.")
    worst_values_hours = _float("Hours the worst gas values have lasted.")
    respiratory_rate = _float("Set respiratory rate (/min).")
    prone_positioning = _bool("Prone positioning done.")
    neuromuscular_blockade = _bool("Neuromuscular blockade given.")
    inhaled_no = _bool("Inhaled nitric oxide given.")
    bicarbonate_infusion = _bool("Bicarbonate infusion given.")
    # Haemodynamics
    map_mmhg = _float("Mean arterial pressure (mmHg).")
    diastolic_mmhg = _float("Diastolic blood pressure (mmHg).")
    pulse_pressure_mmhg = _float("Pulse pressure (mmHg).")
    lactate_mmol_l = _float("Lactate (mmol/L).")
    vasopressors = _bool("On vasopressors.")
    inotropes = _bool("On inotropes.")
    # Cardiac arrest
    cardiac_arrest = _bool("Cardiac arrest before ECMO.")
    arrest_witnessed = _bool("Arrest witnessed.")
    bystander_cpr = _bool("Bystander CPR given.")
    initial_rhythm = _choice(ds.INITIAL_RHYTHMS, "Initial rhythm.")
    no_flow_min = _float("No-flow time (min).")
    low_flow_min = _float("Low-flow time (min).")
    shocks = _int("Defibrillation shocks delivered.")
    # Organ failure and comorbidities
    immunocompromised = _bool("Immunocompromised.")
    cns_dysfunction = _bool("CNS dysfunction.")
    acute_nonpulmonary_infection = _bool("Acute non-pulmonary infection.")
    liver_failure = _bool("Liver failure.")
    acute_renal_failure = _bool("Acute renal failure.")
    chronic_renal_failure = _bool("Chronic renal failure.")
    malignancy_poor_prognosis = _bool("Malignancy with poor prognosis.")
    transplant = _bool("Solid organ transplant recipient.")
    sofa = _int("SOFA score (0–24), if known.")
    # Contraindications checklist
    anticoagulation_contraindicated = _bool("Contraindication to anticoagulation.")
    severe_coagulopathy = _bool("Severe coagulopathy.")
    moribund_multiorgan_failure = _bool("Moribund with multiorgan failure.")
    severe_anoxic_brain_injury = _bool("Severe anoxic brain injury.")
    massive_intracranial_haemorrhage = _bool("Massive intracranial haemorrhage.")
    chronic_respiratory_failure_no_transplant = _bool("Chronic respiratory failure without transplant option.")
    uncontrolled_bleeding = _bool("Uncontrolled bleeding.")
    terminal_illness = _bool("Terminal illness.")
    end_stage_organ_failure_no_transplant = _bool("End-stage organ failure without transplant option.")
    # What the referrer typed where it is not the stored unit, so their page shows "PaO2 7 kPa" as
    # they gave it: {"pao2_mmhg": {"value": 7.0, "unit": "kPa"}, "fio2": {"value": 60.0, "unit": "%"},
    # "ventilation_hours": {"days": 2.0, "hours": 5.0}}. The scores read the converted fields.
    as_typed = models.JSONField(default=dict, blank=True, help_text="Values as typed, with the unit typed.")

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"referral of mission {self.mission_id}"


class ReferralChange(models.Model):
    """One clinical value changed after submission: who, when, old → new, through which channel."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=60)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=8)
    # The timeline event announcing this batch of changes.
    event = models.ForeignKey("dispatch.MissionEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["changed_at", "pk"]

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

    read_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mission = models.ForeignKey("dispatch.Mission", on_delete=models.PROTECT, related_name="+")
    # Which view: e.g. "api.referral", "page.referral", "page.mission" (see audit.ENDPOINTS).
    endpoint = models.CharField(max_length=40)
    path = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True, unpack_ipv4=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = ClinicalReadQuerySet.as_manager()

    class Meta:
        ordering = ["-read_at", "-pk"]
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
