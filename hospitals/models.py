from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class HospitalKind(models.TextChoices):
    ECMO_CENTRE = "ecmo_centre", _("ECMO centre")
    ECMO_UNIT = "ecmo_unit", _("Cooperating ECMO unit")
    REGIONAL = "regional", _("Regional hospital")


class Hospital(models.Model):
    """A place a mission starts from or ends at; coordinates drive travel estimates."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(
        _("short code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]{2,12}$", _("Use 2–12 capital letters, digits or dashes."))],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HospitalKind.choices)
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    has_helipad = models.BooleanField(_("helipad"), default=False)
    icu_phone = PhoneNumberField(_("ICU phone (E.164)"), blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("hospital"), _("hospitals")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90), name="hospital_latitude_range"
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=-180, longitude__lte=180), name="hospital_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_ecmo_centre(self) -> bool:
        return self.kind == HospitalKind.ECMO_CENTRE
