"""Hospital API: the reference hospitals, and travel estimates between a hospital and a centre."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from hospitals import selectors
from hospitals.matrix import Model
from hospitals.models import Hospital
from hospitals.serializers import HospitalOutput


class HospitalListApi(APIView):
    @extend_schema(responses=HospitalOutput(many=True))
    def get(self, request):
        return Response(HospitalOutput(Hospital.objects.all(), many=True).data)


class HospitalDetailApi(APIView):
    @extend_schema(responses=HospitalOutput)
    def get(self, request, hospital_id: int):
        return Response(HospitalOutput(get_object_or_404(Hospital, pk=hospital_id)).data)


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
                raise ValidationError({"centre": [_("No ECMO centre is configured.")]})
        else:
            centre = selectors.ecmo_centres().filter(pk=centre_id).first()
            if centre is None:
                raise ValidationError({"centre": [_("Not an ECMO centre or unit.")]})
        if centre.pk == hospital.pk:
            raise ValidationError({"centre": [_("The hospital is the centre itself.")]})
        at = filters.validated_data.get("at") or timezone.now()
        model = Model.current()
        body = selectors.travel_between(hospital, centre, at, model=model)
        body["from_centre"] = selectors.travel_between(centre, hospital, at, model=model)
        return Response(body)
