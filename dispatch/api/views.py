"""Thin API views: parse, call one service or selector, render."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import presenters, roles, selectors
from dispatch.api import mission_list
from dispatch.api import serializers as s
from dispatch.errors import ValidationFailed
from dispatch.http import IDEMPOTENCY_HEADER, event_source, idempotency_key
from dispatch.models import MissionStatus
from dispatch.referrals import audit
from dispatch.roles import display_name
from dispatch.services import missions as mission_services
from hospitals.models import Hospital


def _summary(request, mission_id: int, *, with_travel: bool = False) -> dict:
    """The mission as the caller may see it, rendered by the one read model."""
    mission = get_object_or_404(selectors.mission_list(user=request.user), pk=mission_id)
    return presenters.mission_summary(mission, with_travel=with_travel)


class MissionListFilter(serializers.Serializer):
    status = serializers.CharField(required=False, help_text=_("Comma-separated statuses."))
    active = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_status(self, value: str) -> list[str]:
        wanted = [part.strip() for part in value.split(",") if part.strip()]
        unknown = sorted(set(wanted) - set(MissionStatus.values))
        if unknown:
            raise serializers.ValidationError(_("Unknown status: %s") % ", ".join(unknown))
        return wanted


class MissionListCreateApi(APIView):
    @extend_schema(parameters=[MissionListFilter], responses=s.MissionOutput(many=True))
    def get(self, request):
        filters = MissionListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        missions = selectors.mission_list(user=request.user, **filters.validated_data)
        # The board polls this: ready JSON bytes, re-presenting only the missions that changed.
        body = mission_list.mission_list_json(user=request.user, missions=missions, filters=filters.validated_data)
        return mission_list.JSONBytesResponse(body)

    @extend_schema(request=s.MissionCreateInput, responses={201: s.MissionOutput})
    def post(self, request):
        data = s.MissionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "referring_hospital" not in fields:
            hospital_id = roles.referrer_hospital_id(request.user)
            if hospital_id is None:
                raise ValidationFailed({"referring_hospital": [_("This field is required.")]})
            fields["referring_hospital"] = Hospital.objects.get(pk=hospital_id)
        mission = mission_services.create_mission(created_by=request.user, source=event_source(request), **fields)
        return Response(_summary(request, mission.pk), status=status.HTTP_201_CREATED)


class MissionDetailApi(APIView):
    @extend_schema(responses=s.MissionOutput)
    def get(self, request, mission_id: int):
        """The mission's record; the read of the patient's data is logged (`dispatch.referrals.audit`)."""
        mission = get_object_or_404(selectors.mission_list(user=request.user), pk=mission_id)
        audit.record_read(request=request, mission_id=mission.pk, endpoint="api.mission")
        return Response(presenters.mission_summary(mission, with_travel=True))


class MissionTransitionApi(APIView):
    @extend_schema(
        request=s.TransitionInput,
        responses={200: s.TransitionOutput},
        parameters=[IDEMPOTENCY_HEADER],
        description="Move the mission to its next phase. 409 names the allowed next states.",
    )
    def post(self, request, mission_id: int):
        get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        key = idempotency_key(request)
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = mission_services.transition_mission(
            mission_id=mission_id,
            to_status=data.validated_data["to"],
            actor=request.user,
            source=event_source(request),
            note=data.validated_data["note"],
            reason=data.validated_data["reason"],
            expected_status=data.validated_data.get("expected_status"),
            idempotency_key=key,
            occurred_at=data.validated_data.get("occurred_at"),
            outcome=data.validated_data.get("outcome", ""),
            support_mode=data.validated_data.get("support_mode", ""),
            transport_mode=data.validated_data.get("transport_mode", ""),
            review_at=data.validated_data.get("review_at"),
        )
        return _transition_answer(request, result)


def _transition_answer(request, result) -> Response:
    body = {
        "mission": _summary(request, result.mission.pk),
        "event": presenters.event_summary(result.event),
        "replayed": result.replayed,
    }
    return Response(body, headers={"Idempotent-Replayed": "true"} if result.replayed else None)


class MissionUndoApi(APIView):
    @extend_schema(
        request=s.UndoInput,
        responses={200: s.TransitionOutput},
        parameters=[IDEMPOTENCY_HEADER],
        description="Take back the last phase tap. The member who tapped, within UNDO_WINDOW_S; a coordinator "
        "until hand-over. The status goes back and a mission.undone event is written; 409 if there is nothing to "
        "take back.",
    )
    def post(self, request, mission_id: int):
        get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        data = s.UndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = mission_services.undo_last_phase(
            mission_id=mission_id,
            actor=request.user,
            reason=data.validated_data["reason"],
            source=event_source(request),
            idempotency_key=idempotency_key(request),
            expected_status=data.validated_data.get("expected_status"),
        )
        return _transition_answer(request, result)


class MissionCorrectionApi(APIView):
    @extend_schema(
        request=s.CorrectionInput,
        responses={201: s.EventOutput},
        description="Coordinators correct a phase time (requested_at included), the outcome or a mode. The original "
        "events stay untouched; a mission.corrected event names old → new.",
    )
    def post(self, request, mission_id: int):
        get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        data = s.CorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = mission_services.correct_mission(
            mission_id=mission_id, actor=request.user, source=event_source(request), **data.validated_data
        )
        return Response(presenters.event_summary(event), status=status.HTTP_201_CREATED)


class MissionAdverseEventsApi(APIView):
    @extend_schema(responses=s.AdverseEventOutput(many=True))
    def get(self, request, mission_id: int):
        mission = get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        return Response(presenters.adverse_event_summaries([mission]).get(mission.pk, []))

    @extend_schema(
        request=s.AdverseEventInput,
        responses={201: s.AdverseEventOutput},
        parameters=[IDEMPOTENCY_HEADER],
        description="Report an adverse event (team members on the mission and coordinators).",
    )
    def post(self, request, mission_id: int):
        mission = get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        data = s.AdverseEventInput(data=request.data)
        data.is_valid(raise_exception=True)
        adverse = mission_services.record_adverse_event(
            mission_id=mission_id,
            actor=request.user,
            source=event_source(request),
            idempotency_key=idempotency_key(request),
            **data.validated_data,
        )
        body = next(a for a in presenters.adverse_event_summaries([mission])[mission.pk] if a["id"] == adverse.pk)
        return Response(body, status=status.HTTP_201_CREATED)


class MissionEventsFilter(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, help_text=_("Only events after this sequence."))


class MissionEventListApi(APIView):
    @extend_schema(parameters=[MissionEventsFilter], responses=s.EventOutput(many=True))
    def get(self, request, mission_id: int):
        mission = get_object_or_404(selectors.missions_visible_to(request.user), pk=mission_id)
        filters = MissionEventsFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = selectors.mission_events(mission=mission, after=filters.validated_data.get("after"))
        return Response([presenters.event_summary(event) for event in events])


class MeApi(APIView):
    @extend_schema(responses=s.MeOutput)
    def get(self, request):
        user = request.user
        profile = getattr(user, "profile", None)
        body = {
            "id": user.pk,
            "username": user.get_username(),
            "name": display_name(user),
            "roles": sorted(roles.roles_of(user)),
            "team_role": profile.team_role if profile else "",
            "phone": str(profile.phone) if profile and profile.phone else "",
            "hospital": profile.hospital if profile else None,
        }
        return Response(s.MeOutput(body).data)
