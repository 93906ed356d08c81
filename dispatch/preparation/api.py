"""Checklist API: read a mission's preparation checklist, tick one line.

`GET/POST /api/v1/missions/{id}/preparation/`. Thin: parse, call the service, answer with the
whole checklist, so a client simply replaces its copy.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.errors import NotVisible
from dispatch.models import EventSource
from dispatch.preparation import selectors, services
from dispatch.preparation.services import MAX_VALUE


class TickInput(serializers.Serializer):
    item = serializers.IntegerField(help_text=gettext_lazy("The item's id (`items[].id`)."))
    done = serializers.BooleanField()
    value = serializers.IntegerField(
        min_value=0,
        max_value=MAX_VALUE,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The number an item asks for (units of blood); required when it is done."),
    )


class ChecklistLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    label = serializers.CharField()
    help_text = serializers.CharField(allow_blank=True)
    value_label = serializers.CharField(allow_null=True, help_text=gettext_lazy("What the number counts; null: none."))
    done = serializers.BooleanField()
    value = serializers.IntegerField(allow_null=True)
    ticked_by = serializers.CharField(allow_null=True)
    ticked_at = serializers.DateTimeField(allow_null=True)


class ChecklistOutput(serializers.Serializer):
    mission_id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    referring_hospital = serializers.CharField()
    open = serializers.BooleanField(help_text=gettext_lazy("False once the mission has ended."))
    may_tick = serializers.BooleanField(help_text=gettext_lazy("Whether the caller may tick."))
    expected_arrival = serializers.DateTimeField(allow_null=True)
    expected_arrival_basis = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("position, estimate (departure + drive) or planned (not left yet).")
    )
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    url = serializers.CharField(help_text=gettext_lazy("The checklist page."))
    items = ChecklistLineOutput(many=True)


class MissionPreparationApi(APIView):
    def _mission(self, request, mission_id: int):
        mission = get_object_or_404(dispatch_selectors.missions_visible_to(request.user), pk=mission_id)
        if not selectors.has_checklist(mission):
            raise NotVisible(_("This mission has no preparation checklist (the team was not activated)."))
        return mission

    @extend_schema(
        responses=ChecklistOutput,
        description="The mission's preparation checklist and the team's expected arrival. 404: not visible, "
        "or no checklist (the team was not activated).",
    )
    def get(self, request, mission_id: int):
        mission = self._mission(request, mission_id)
        return Response(selectors.checklist(mission, user=request.user))

    @extend_schema(
        request=TickInput,
        responses=ChecklistOutput,
        description="Tick or untick one item (the referring hospital's doctors and coordinators). 400 per field, "
        "403 not allowed to tick, 404 not visible or no checklist, 409 the mission has ended.",
    )
    def post(self, request, mission_id: int):
        mission = self._mission(request, mission_id)
        data = TickInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.tick_item(
            mission_id=mission_id,
            actor=request.user,
            item_id=data.validated_data["item"],
            done=data.validated_data["done"],
            value=data.validated_data["value"],
            source=EventSource.WEB if request.auth is None else EventSource.API,
        )
        return Response(selectors.checklist(mission, user=request.user))
