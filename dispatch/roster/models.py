"""Roster self-service: swaps a coordinator approves, and each member's secret calendar address."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SwapState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a coordinator")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ShiftSwap(models.Model):
    """A member asks to hand one of their shifts to a colleague of the same role (and, if named, to
    take one of the colleague's in exchange). Nothing changes on call until a coordinator approves."""

    shift = models.ForeignKey(
        "notifications.Shift", on_delete=models.CASCADE, related_name="swaps", verbose_name=_("shift")
    )
    their_shift = models.ForeignKey(
        "notifications.Shift",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("in exchange for"),
        help_text=_("The colleague's shift the requester takes over; empty: the colleague just covers."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("colleague")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SwapState.choices, default=SwapState.REQUESTED)
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(state="requested"), name="swap_one_open_request_per_shift"
            )
        ]

    def __str__(self) -> str:
        return f"swap {self.shift_id} → {self.colleague_id} ({self.state})"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A member's secret calendar address: whoever has the link sees that member's shifts, so it can
    be replaced (the old link then answers 404)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("team member")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    rotated_at = models.DateTimeField(_("replaced at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar of {self.member_id}"
