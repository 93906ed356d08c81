"""Thin API views of roster self-service (the pages' scripts and the phone use them)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import roles
from dispatch.errors import NotAllowed
from dispatch.roster import selectors, services


def _require_staff(user) -> None:
    if not (roles.is_team_member(user) or roles.is_coordinator(user)):
        raise NotAllowed(_("Only the centre's staff can send themselves a test page."))


class SelfTestPageApi(APIView):
    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        """The caller's latest test pages and their delivery status, newest first."""
        _require_staff(request.user)
        return Response([selectors.self_test_brief(n) for n in selectors.self_test_pages(request.user)])

    @extend_schema(request=None, responses={201: dict})
    def post(self, request):
        """Send the caller a test page through the real pipeline (400 no phone, 409 within a minute)."""
        _require_staff(request.user)
        notification = services.send_test_page(member=request.user)
        return Response(selectors.self_test_brief(notification), status=status.HTTP_201_CREATED)
