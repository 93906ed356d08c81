"""Referral API: thin views (parse → one service or selector → render)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import roles
from dispatch.decision_support import ClinicalInputs, assess
from dispatch.errors import NotAllowed, ValidationFailed
from dispatch.http import event_source
from dispatch.referrals import audit, clinical, selectors, services
from dispatch.referrals import serializers as s
from hospitals.models import Hospital


def _render(request, referral, *, endpoint: str, code: int = status.HTTP_200_OK) -> Response:
    """The referral with its assessment; the read is logged first (`audit`)."""
    audit.record_read(request=request, mission_id=referral.mission_id, endpoint=endpoint)
    body = s.ReferralOutput(referral, context={"assessment": selectors.assessment_for(referral)}).data
    return Response(body, status=code)


class ReferralCreateApi(APIView):
    @extend_schema(
        request=s.ReferralCreateInput,
        responses={201: s.ReferralOutput},
        description="Open a mission with its structured referral in one step.",
    )
    def post(self, request):
        data = s.ReferralCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        mission = dict(data.validated_data["mission"])
        if "referring_hospital" not in mission:
            hospital_id = roles.referrer_hospital_id(request.user)
            if hospital_id is None:
                raise ValidationFailed({"referring_hospital": [_("This field is required.")]})
            mission["referring_hospital"] = Hospital.objects.get(pk=hospital_id)
        referral = services.submit_referral(
            created_by=request.user,
            clinical_values=data.validated_data["clinical"],
            as_typed=data.validated_data[s.AS_TYPED],
            source=event_source(request),
            **mission,
        )
        return _render(
            request,
            selectors.referral_visible_to(request.user, referral.mission_id),
            endpoint="api.referral.create",
            code=status.HTTP_201_CREATED,
        )


class ReferralAssessApi(APIView):
    @extend_schema(
        request=s.ReferralAssessInput,
        responses={200: OpenApiTypes.OBJECT},
        description="Scores, criteria, contraindications and missing inputs for the values given. Writes nothing.",
    )
    def post(self, request):
        data = s.ReferralAssessInput(data=request.data)
        data.is_valid(raise_exception=True)
        mapping = clinical.inputs_mapping(
            mission_values=data.validated_data["mission"], clinical=data.validated_data["clinical"]
        )
        return Response(assess(ClinicalInputs.from_mapping(mapping)))


class MissionReferralApi(APIView):
    @extend_schema(responses=s.ReferralOutput)
    def get(self, request, mission_id: int):
        return _render(request, selectors.referral_visible_to(request.user, mission_id), endpoint="api.referral")

    @extend_schema(
        request=s.ReferralUpdateInput,
        responses=s.ReferralOutput,
        description="Change clinical values; every change is kept in the history (who, when, old → new).",
    )
    def patch(self, request, mission_id: int):
        selectors.referral_visible_to(request.user, mission_id)
        data = s.ReferralUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_clinical_values(
            actor=request.user,
            mission_id=mission_id,
            clinical_values=data.validated_data["clinical"],
            as_typed=data.validated_data[s.AS_TYPED],
            source=event_source(request),
        )
        return _render(request, selectors.referral_visible_to(request.user, mission_id), endpoint="api.referral.update")


class MissionReferralHistoryApi(APIView):
    @extend_schema(responses=s.ReferralChangeOutput(many=True))
    def get(self, request, mission_id: int):
        referral = selectors.referral_visible_to(request.user, mission_id)
        audit.record_read(request=request, mission_id=mission_id, endpoint="api.referral.history")
        return Response(s.ReferralChangeOutput(selectors.referral_history(referral), many=True).data)


class ClinicalReadListApi(APIView):
    """Who read which patient, for staff and the data protection officer (`referrals.view_clinicalread`)."""

    @extend_schema(
        parameters=[s.ClinicalReadFilter],
        responses=s.ClinicalReadPage,
        description="The log of reads of patients' clinical data, newest first; page on with `before_id`.",
    )
    def get(self, request):
        if not audit.may_list_reads(request.user):
            raise NotAllowed(_("Only staff and the data protection officer may list clinical reads."))
        wanted = s.ClinicalReadFilter(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        filters = dict(wanted.validated_data)
        limit = filters.pop("limit")
        filters["mission_id"], filters["user_id"] = filters.pop("mission", None), filters.pop("user", None)
        rows = list(audit.clinical_reads(**filters)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return Response(
            {
                "results": s.ClinicalReadOutput(rows, many=True).data,
                "next_before_id": rows[-1].pk if more else None,
            }
        )
