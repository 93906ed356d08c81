"""Thin API views for alerting: the team phone page, the roster and coordinator actions."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import roles
from dispatch import selectors as dispatch_selectors
from dispatch.errors import NotAllowed, NotVisible
from dispatch.http import IDEMPOTENCY_HEADER, event_source, idempotency_key
from dispatch.models import TeamRole
from dispatch.notifications import selectors
from dispatch.notifications import serializers as s
from dispatch.notifications.models import Alert, Shift
from dispatch.notifications.services import alerts as alert_services
from dispatch.notifications.services import roster as roster_services
from dispatch.notifications.services import standby as standby_services


def _require_coordinator(user) -> None:
    if not roles.is_coordinator(user):
        raise NotAllowed(_("Only coordinators can do this."))


def _require_roster_editor(user) -> None:
    """Checked before the input is read: someone who may not edit the roster learns nothing from a 400."""
    if not roles.is_coordinator(user):
        raise NotAllowed(_("Only coordinators can edit the on-call roster."))


def _alert_body(alert_id: int, member=None) -> dict:
    """The alert after an action; `my_response` is `member`'s own answer ("" for a coordinator's action)."""
    alert = selectors.alerts_for_member(member=member, open_only=False).filter(pk=alert_id).first() if member else None
    if alert is None:
        alert = Alert.objects.select_related("mission__referring_hospital", "accepted_by").get(pk=alert_id)
        alert.my_response = ""
    return s.AlertAnswerOutput(alert).data


class MyAlertListApi(APIView):
    @extend_schema(parameters=[s.AlertListFilter], responses=s.AlertOutput(many=True))
    def get(self, request):
        filters = s.AlertListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        alerts = selectors.alerts_for_member(member=request.user, open_only=filters.validated_data["open"])
        return Response(s.AlertOutput(alerts[:100], many=True).data)


class _AnswerApi(APIView):
    service = None

    @extend_schema(request=s.AnswerInput, responses=s.AlertAnswerOutput, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request, alert_id: int):
        key = idempotency_key(request)
        data = s.AnswerInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        result = type(self).service(
            alert_id=alert_id,
            member=request.user,
            via=event_source(request),
            idempotency_key=key,
            note=data.validated_data["note"],
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else None
        return Response(_alert_body(result.alert.pk, request.user), headers=headers)


class AlertAcceptApi(_AnswerApi):
    service = staticmethod(alert_services.accept_alert)


class AlertDeclineApi(_AnswerApi):
    service = staticmethod(alert_services.decline_alert)


class MissionAlertListApi(APIView):
    @extend_schema(responses=s.MissionAlertOutput(many=True))
    def get(self, request, mission_id: int):
        _require_coordinator(request.user)
        get_object_or_404(dispatch_selectors.missions_visible_to(request.user), pk=mission_id)
        return Response(s.MissionAlertOutput(selectors.mission_alerts(mission_id=mission_id), many=True).data)


def _check_role(team_role: str) -> None:
    if team_role not in TeamRole.values:
        raise NotVisible(_("Unknown team role."))


class RepageApi(APIView):
    @extend_schema(request=None, responses=s.AlertAnswerOutput)
    def post(self, request, mission_id: int, team_role: str):
        _check_role(team_role)
        alert = alert_services.repage_role(mission_id=mission_id, team_role=team_role, actor=request.user)
        return Response(_alert_body(alert.pk))


class PageMemberApi(APIView):
    @extend_schema(request=s.PageMemberInput, responses=s.AlertAnswerOutput)
    def post(self, request, mission_id: int, team_role: str):
        _check_role(team_role)
        data = s.PageMemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_services.page_member(
            mission_id=mission_id, team_role=team_role, member_id=data.validated_data["member_id"], actor=request.user
        )
        return Response(_alert_body(alert.pk))


class CoverByPhoneApi(APIView):
    @extend_schema(request=s.CoverInput, responses=s.AlertAnswerOutput)
    def post(self, request, mission_id: int, team_role: str):
        _check_role(team_role)
        data = s.CoverInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_services.cover_role_by_phone(
            mission_id=mission_id, team_role=team_role, actor=request.user, **data.validated_data
        )
        return Response(_alert_body(alert.pk))


class StandbyApi(APIView):
    @extend_schema(request=None, responses=s.StandbyOutput)
    def post(self, request, mission_id: int):
        get_object_or_404(dispatch_selectors.missions_visible_to(request.user), pk=mission_id)
        result = standby_services.send_standby(
            mission_id=mission_id, actor=request.user, source=event_source(request)
        )
        return Response(s.StandbyOutput(result).data)


class ShiftListCreateApi(APIView):
    @extend_schema(parameters=[s.ShiftFilter], responses=s.ShiftOutput(many=True))
    def get(self, request):
        if not (roles.is_coordinator(request.user) or roles.is_team_member(request.user)):
            raise NotAllowed(_("Only the centre's staff can see the roster."))
        filters = s.ShiftFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Shift.objects.select_related("member")
        if "team_role" in filters.validated_data:
            qs = qs.filter(team_role=filters.validated_data["team_role"])
        if "at" in filters.validated_data:
            at = filters.validated_data["at"]
            qs = qs.filter(starts_at__lte=at, ends_at__gt=at)
        return Response(s.ShiftOutput(qs[:1000], many=True).data)

    @extend_schema(request=s.ShiftInput, responses={201: s.ShiftOutput})
    def post(self, request):
        _require_roster_editor(request.user)
        data = s.ShiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = roster_services.create_shift(actor=request.user, **data.validated_data)
        return Response(s.ShiftOutput(shift).data, status=status.HTTP_201_CREATED)


class ShiftDetailApi(APIView):
    @extend_schema(responses=s.ShiftOutput)
    def get(self, request, shift_id: int):
        _require_coordinator(request.user)
        return Response(s.ShiftOutput(get_object_or_404(Shift, pk=shift_id)).data)

    @extend_schema(request=s.ShiftPatchInput, responses=s.ShiftOutput)
    def patch(self, request, shift_id: int):
        _require_roster_editor(request.user)
        get_object_or_404(Shift, pk=shift_id)
        data = s.ShiftPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = roster_services.update_shift(actor=request.user, shift_id=shift_id, **data.validated_data)
        return Response(s.ShiftOutput(shift).data)

    @extend_schema(responses={204: None})
    def delete(self, request, shift_id: int):
        _require_roster_editor(request.user)
        get_object_or_404(Shift, pk=shift_id)
        roster_services.delete_shift(actor=request.user, shift_id=shift_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RosterReadinessApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        if not (roles.is_coordinator(request.user) or roles.is_team_member(request.user)):
            raise NotAllowed(_("Only the centre's staff can see the roster."))
        return Response(selectors.roster_readiness())


class PagingHeartbeatApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request):
        _require_coordinator(request.user)
        return Response(selectors.paging_heartbeat())
