"""Records API: thin views (parse → one service or selector → render)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import roles
from dispatch.errors import NotAllowed
from dispatch.http import event_source
from dispatch.records import audit, selectors, services
from dispatch.records import serializers as s
from dispatch.records.record import debrief_record, follow_up_record, mission_record


class DebriefsDueApi(APIView):
    @extend_schema(
        responses=s.DebriefDueOutput(many=True),
        description="Completed or aborted missions (not drills) still waiting for their debrief, longest waiting "
        "first; due DEBRIEF_DUE_H after closing. Coordinators only.",
    )
    def get(self, request):
        if not roles.is_coordinator(request.user):
            raise NotAllowed(_("Only coordinators follow the debriefs due."))
        return Response(
            s.DebriefDueOutput(
                [
                    {
                        "mission_id": due.mission.pk,
                        "code": due.mission.code,
                        "hospital": due.mission.referring_hospital.name,
                        "closed_at": due.mission.closed_at,
                        "due_at": due.due_at,
                        "overdue": due.overdue,
                        "url": reverse("mission-debrief", args=[due.mission.pk]),
                    }
                    for due in selectors.debriefs_due()
                ],
                many=True,
            ).data
        )


class MissionRecordApi(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The mission's record (docs/records.md): the same data as the printable page and its PDF.",
    )
    def get(self, request, mission_id: int):
        mission = selectors.record_visible_to(request.user, mission_id)
        audit.record_read(request=request, mission_id=mission.pk, kind="api")
        return Response(mission_record(mission, user=request.user))


class MissionDebriefApi(APIView):
    @extend_schema(
        request=s.DebriefInput,
        responses={201: OpenApiTypes.OBJECT},
        description="The team's debrief of a completed or aborted mission, once (409 otherwise). Coordinators and "
        "the mission's team.",
    )
    def post(self, request, mission_id: int):
        selectors.record_visible_to(request.user, mission_id)
        data = s.DebriefInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        actions = [services.ActionInput(action=a["action"], owner_id=a["owner"]) for a in fields.pop("actions")]
        debrief = services.submit_debrief(
            mission_id=mission_id, actor=request.user, actions=actions, source=event_source(request), **fields
        )
        return Response(debrief_record(debrief), status=status.HTTP_201_CREATED)


class MissionFollowUpApi(APIView):
    @extend_schema(
        request=s.FollowUpInput,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
        description="Enter or replace the patient's follow-up (coordinators): decannulation date, survival to ECMO "
        "and to hospital discharge (yes / no / unknown).",
    )
    def put(self, request, mission_id: int):
        selectors.record_visible_to(request.user, mission_id)
        data = s.FollowUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        follow_up, created = services.save_follow_up(
            mission_id=mission_id, actor=request.user, source=event_source(request), **data.validated_data
        )
        return Response(follow_up_record(follow_up), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
