"""Thin API views for drills: start one, list how fast the team answered."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import presenters, roles
from dispatch.drills import selectors, services
from dispatch.errors import NotAllowed
from dispatch.http import event_source
from dispatch.models import Mission, Support, TeamRole


class DrillStartInput(serializers.Serializer):
    hospital_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Empty: the drill is at the centre itself.")
    )
    support = serializers.ChoiceField(choices=Support.choices, required=False, default=Support.VV)
    required_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=TeamRole.choices), required=False, allow_empty=False, default=None
    )


def _require_coordinator(user) -> None:
    """Checked before the input is read: someone who may not start drills learns nothing from a 400."""
    if not roles.is_coordinator(user):
        raise NotAllowed(_("Only coordinators can start a drill."))


class DrillListCreateApi(APIView):
    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        """Drills, newest first, each with its time to accept per role and per person."""
        _require_coordinator(request.user)
        return Response([selectors.drill_result(m) for m in selectors.drills()])

    @extend_schema(request=DrillStartInput, responses={201: dict})
    def post(self, request):
        """Start a drill: the real on-call team is paged now through the real escalation."""
        _require_coordinator(request.user)
        data = DrillStartInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        mission = services.start_drill(actor=request.user, source=event_source(request), **data.validated_data)
        mission = Mission.objects.select_related("referring_hospital", "receiving_centre").get(pk=mission.pk)
        return Response(presenters.mission_summary(mission), status=status.HTTP_201_CREATED)
