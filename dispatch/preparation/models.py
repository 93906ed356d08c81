"""The referring ICU's preparation checklist: the items (set up in the admin) and each mission's ticks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemScope(models.TextChoices):
    """Which missions' checklists ask for an item (by `Mission.kind`)."""

    EVERY = "every", _("Every mission")
    PRIMARY = "primary", _("Primary only: the team cannulates on site")
    SECONDARY = "secondary", _("Secondary only: the patient is already on ECMO")


class PreparationItem(models.Model):
    """One thing the referring ICU gets ready before the team arrives.

    The shipped items (`defaults.DEFAULT_ITEMS`) are written in English and shown in each
    reader's language from the catalogue; an item typed in the admin is shown as typed.
    """

    key = models.SlugField(
        _("key"), max_length=40, unique=True, help_text=_("A short stable name, e.g. “blood” (used by the API).")
    )
    label = models.CharField(_("label"), max_length=200)
    help_text = models.TextField(_("help text"), blank=True)
    value_label = models.CharField(
        _("number asked for"),
        max_length=40,
        blank=True,
        help_text=_("What the number on the tick counts (e.g. “units”); empty for a plain tick."),
    )
    applies_to = models.CharField(
        _("asked for"),
        max_length=12,
        choices=ItemScope.choices,
        default=ItemScope.EVERY,
        help_text=_("A patient already on ECMO needs nothing kept free for cannulation."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive items are left out of checklists opened from now on.")
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("preparation item")
        verbose_name_plural = _("preparation items")

    def __str__(self) -> str:
        return self.label


class MissionPreparation(models.Model):
    """A mission's checklist, opened when the team is activated, and what the referrer was told."""

    mission = models.OneToOneField(
        "dispatch.Mission", on_delete=models.CASCADE, related_name="preparation", verbose_name=_("mission")
    )
    opened_at = models.DateTimeField(_("opened at"))
    # The expected arrival in the last SMS to the referring ICU: an update goes out when the
    # estimate moves away from it by more than PREPARATION_ETA_UPDATE_MIN.
    told_arrival_at = models.DateTimeField(_("expected arrival last texted"), null=True, blank=True)
    told_at = models.DateTimeField(_("texted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mission checklist")
        verbose_name_plural = _("mission checklists")

    def __str__(self) -> str:
        return str(self.mission_id)


class PreparationTick(models.Model):
    """One line of a mission's checklist: the item as asked, whether it is done, and by whom."""

    mission = models.ForeignKey(
        "dispatch.Mission", on_delete=models.CASCADE, related_name="preparation_ticks", verbose_name=_("mission")
    )
    item = models.ForeignKey(
        PreparationItem, on_delete=models.PROTECT, related_name="ticks", verbose_name=_("preparation item")
    )
    done = models.BooleanField(_("done"), default=False)
    value = models.PositiveSmallIntegerField(_("number (e.g. units)"), null=True, blank=True)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticked by"),
    )
    ticked_at = models.DateTimeField(_("ticked at"), null=True, blank=True)

    class Meta:
        ordering = ["item__order", "item_id"]
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [models.UniqueConstraint(fields=["mission", "item"], name="preparation_tick_unique_item")]

    def __str__(self) -> str:
        return f"{self.mission_id} {self.item_id}: {'✓' if self.done else '·'}"
