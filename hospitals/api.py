"""Travel API: estimates per mode and the recommended mode, for a hospital or a mission."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.errors import ValidationFailed
from hospitals import selectors
from hospitals.matrix import Model
from hospitals.models import Hospital


class HospitalTravelFilter(serializers.Serializer):
    centre = serializers.IntegerField(
        required=False, help_text=gettext_lazy("ECMO centre or unit id; default the main ECMO centre.")
    )
    at = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("When the trip starts (default now); matters for night flights.")
    )


class HospitalTravelApi(APIView):
    @extend_schema(
        parameters=[HospitalTravelFilter],
        responses=OpenApiTypes.OBJECT,
        description=(
            "Estimates from the hospital to the centre for each mode and the recommended mode "
            "(`origin`, `destination`, `estimates`, `recommended`), plus `from_centre`: the team's way out."
        ),
    )
    def get(self, request, hospital_id: int):
        hospital = get_object_or_404(Hospital, pk=hospital_id)
        filters = HospitalTravelFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        centre_id = filters.validated_data.get("centre")
        if centre_id is None:
            centre = selectors.main_ecmo_centre()
            if centre is None:
                raise ValidationFailed({"centre": [_("No ECMO centre is configured.")]})
        else:
            centre = selectors.ecmo_centres().filter(pk=centre_id).first()
            if centre is None:
                raise ValidationFailed({"centre": [_("Not an ECMO centre or unit.")]})
        if centre.pk == hospital.pk:
            raise ValidationFailed({"centre": [_("The hospital is the centre itself.")]})
        at = filters.validated_data.get("at") or timezone.now()
        model = Model.current()
        body = selectors.travel_between(hospital, centre, at, model=model)
        body["from_centre"] = selectors.travel_between(centre, hospital, at, model=model)
        return Response(body)


class MissionTravelApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description="Outbound and return estimates and, while travelling, the expected arrival.",
    )
    def get(self, request, mission_id: int):
        mission = get_object_or_404(dispatch_selectors.missions_visible_to(request.user), pk=mission_id)
        return Response(selectors.mission_travel(mission))
