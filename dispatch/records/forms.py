"""The debrief and follow-up forms of the pages (the API has its own serializers; one service behind both)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dispatch.records.models import Survival
from dispatch.records.services import ACTION_MAX_CHARS, ActionInput, action_owners
from dispatch.roles import display_name

# Empty action rows the debrief form offers; unused rows are ignored.
ACTION_ROWS = 4


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class DebriefForm(forms.Form):
    went_well = forms.CharField(label=_("What went well"), widget=forms.Textarea(attrs={"rows": 3}))
    went_wrong = forms.CharField(label=_("What went wrong"), widget=forms.Textarea(attrs={"rows": 3}))
    equipment_issues = forms.CharField(
        label=_("Equipment issues"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    action = forms.CharField(label=_("Follow-up action"), required=False, max_length=ACTION_MAX_CHARS)
    owner = OwnerChoiceField(label=_("Owner"), queryset=action_owners(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") and not data.get("owner"):
            self.add_error("owner", _("Every action needs an owner."))
        if data.get("owner") and not data.get("action"):
            self.add_error("action", _("Say what is to be done."))
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=ACTION_ROWS, max_num=20)


def actions_from(formset) -> list[ActionInput]:
    """The filled-in rows of a valid formset."""
    return [
        ActionInput(action=row["action"], owner_id=row["owner"].pk)
        for row in formset.cleaned_data
        if row.get("action")
    ]


class FollowUpForm(forms.Form):
    decannulated_on = forms.DateField(
        label=_("Decannulated on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    survived_ecmo = forms.ChoiceField(
        label=_("Survived to ECMO discharge"), choices=Survival.choices, widget=forms.RadioSelect
    )
    survived_hospital = forms.ChoiceField(
        label=_("Survived to hospital discharge"), choices=Survival.choices, widget=forms.RadioSelect
    )
