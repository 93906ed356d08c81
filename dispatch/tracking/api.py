"""Mission travel API: the mission's estimates and expected arrival, and the team's live positions.

A team member's phone posts where it is while the mission travels.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors
from dispatch.models import EventSource
from dispatch.tracking import services
from dispatch.tracking.selectors import mission_travel


class PositionInput(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    recorded_at = serializers.DateTimeField(help_text=_("When the phone measured it (ISO 8601 with offset)."))
    accuracy_m = serializers.FloatField(
        min_value=0, max_value=10_000, required=False, allow_null=True, default=None, help_text=_("Metres.")
    )


class PositionOutput(serializers.Serializer):
    phase = serializers.CharField(source="position.phase")
    destination = serializers.CharField(source="position.destination_code")
    expected_arrival = serializers.DateTimeField(source="position.expected_arrival_at")
    remaining_km = serializers.SerializerMethodField()
    remaining_min = serializers.SerializerMethodField()
    event_sequence = serializers.IntegerField(source="event.sequence", allow_null=True, default=None)

    def get_remaining_km(self, obj) -> float:
        return round(obj.position.remaining_km, 1)

    def get_remaining_min(self, obj) -> float:
        return round(obj.position.remaining_min, 1)


class MissionTravelApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description="Outbound and return estimates and, while travelling, the expected arrival.",
    )
    def get(self, request, mission_id: int):
        mission = get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        return Response(mission_travel(mission))


class MissionPositionApi(APIView):
    @extend_schema(
        request=PositionInput,
        responses={201: PositionOutput},
        description=(
            "Share the phone's position while the mission travels (team members on the mission only). "
            "403 not on the mission, 409 not travelling, 429 (Retry-After) too frequent."
        ),
    )
    def post(self, request, mission_id: int):
        get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        data = PositionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.record_position(
                mission_id=mission_id,
                member=request.user,
                source=EventSource.WEB if request.auth is None else EventSource.API,
                **data.validated_data,
            )
        except services.PositionTooSoon as exc:
            raise Throttled(wait=exc.retry_after_s, detail=exc.message) from exc
        return Response(PositionOutput(result).data, status=status.HTTP_201_CREATED)
