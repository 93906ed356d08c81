"""Input and output shapes of the records API (the record itself is `record.mission_record`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.records.models import Survival


class DebriefDueOutput(serializers.Serializer):
    mission_id = serializers.IntegerField()
    code = serializers.CharField()
    hospital = serializers.CharField(help_text="The referring hospital's name.")
    closed_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    url = serializers.CharField(help_text="The debrief form.")


class DebriefActionInput(serializers.Serializer):
    action = serializers.CharField(max_length=300, help_text=_("What is to be done."))
    owner = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("The user who owns it (a coordinator or team member).")
    )


class DebriefInput(serializers.Serializer):
    went_well = serializers.CharField()
    went_wrong = serializers.CharField()
    equipment_issues = serializers.CharField(required=False, allow_blank=True, default="")
    actions = DebriefActionInput(many=True, required=False, default=list)


class FollowUpInput(serializers.Serializer):
    decannulated_on = serializers.DateField(required=False, allow_null=True, default=None)
    survived_ecmo = serializers.ChoiceField(choices=Survival.choices)
    survived_hospital = serializers.ChoiceField(choices=Survival.choices)
