"""The roster's forms: what a coordinator types for a shift, what a member asks for a swap."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from dispatch.errors import ValidationFailed
from dispatch.models import TeamRole
from dispatch.notifications.models import Shift, Tier
from dispatch.roles import display_name
from dispatch.roster import selectors


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        role = getattr(getattr(obj, "profile", None), "team_role", "")
        return f"{display_name(obj)} ({TeamRole(role).label})" if role in TeamRole.values else display_name(obj)


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "D d.m. H:i")


class ShiftChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Shift) -> str:
        who = f"{display_name(obj.member)}: " if self.show_member else ""
        role = f"{TeamRole(obj.team_role).label}, {Tier(obj.tier).label}"
        return f"{who}{_when(obj.starts_at)} – {_when(obj.ends_at)} · {role}"

    show_member = False


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ShiftForm(forms.Form):
    member = PersonChoice(label=_("Team member"), queryset=selectors.team_members())
    team_role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.PRIMARY)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput())

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "member_id": data["member"].pk,
            "team_role": data["team_role"],
            "tier": data["tier"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
        }


class SwapForm(forms.Form):
    shift = ShiftChoice(label=_("My shift"), queryset=Shift.objects.none())
    colleague = PersonChoice(label=_("Colleague who takes it"), queryset=Shift.objects.none())
    their_shift = ShiftChoice(
        label=_("In exchange, I take (optional)"),
        queryset=Shift.objects.none(),
        required=False,
        empty_label=_("Nothing: the colleague just covers"),
    )
    note = forms.CharField(label=_("Note for the coordinator (optional)"), max_length=200, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = selectors.coming_shifts(member)
        self.fields["colleague"].queryset = selectors.colleagues_of(member)
        self.fields["their_shift"].queryset = selectors.colleague_shifts(member)
        self.fields["their_shift"].show_member = True


def add_service_errors(form: forms.Form, exc: ValidationFailed) -> None:
    """A service's per-field errors onto the form's fields (unknown fields: the form's own errors)."""
    renamed = {"member_id": "member"}
    for name, messages in exc.errors.items():
        field = renamed.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
