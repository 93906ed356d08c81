"""Interval metrics API: thin (parse the filters → check who may see what → read → render).

`GET /api/v1/metrics/intervals/` answers JSON; `?format=csv` one CSV row per mission. DRF reads
`format` itself (its URL_FORMAT_OVERRIDE) to choose a renderer, so CSV is simply this view's second
renderer: no second view, and the filters never see `format`. An unknown format is a 400 naming
the field (DRF would answer 404), and every error is JSON even when CSV was asked for.
"""

import csv
import io

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.errors import ValidationFailed
from dispatch.quality import reports
from dispatch.quality.filters import QualityFilter, scope_for


class IntervalsCsvRenderer(BaseRenderer):
    """One row per mission: who, when, how, then the minutes of every interval (empty: never reached)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(reports.CSV_HEADER)
        for mission in data["missions"]:
            writer.writerow(reports.csv_row(mission))
        return buffer.getvalue().encode(self.charset)


class FormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with an unknown `?format=` as a 400 on that field instead of a 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            allowed = ", ".join(r.format for r in renderers)
            raise ValidationFailed({"format": [_("Choose one of: %s.") % allowed]}) from None


class IntervalMetricsApi(APIView):
    renderer_classes = [JSONRenderer, IntervalsCsvRenderer]
    content_negotiation_class = FormatNegotiation

    @extend_schema(
        parameters=[
            QualityFilter,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: one row per mission."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "Minutes between a mission's phases (corrected times), per mission and summarised (n, median, "
            "nearest-rank p90) overall and by month, referring hospital, transport to the patient and kind. "
            "A phase never reached is null, never 0. Drills are excluded. Coordinators: every hospital; "
            "referring doctors: their own (another hospital is a 403); team members: 403."
        ),
    )
    def get(self, request):
        wanted = QualityFilter(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        scope = scope_for(request.user, wanted.validated_data)
        body = reports.interval_body(scope)
        response = Response(body)
        if request.accepted_renderer.format == IntervalsCsvRenderer.format:
            response["Content-Disposition"] = f'attachment; filename="{reports.csv_filename(scope)}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Only a successful GET is missions; errors and OPTIONS are JSON whatever format was asked for.
        is_missions = request.method in ("GET", "HEAD") and response.status_code == 200
        if not is_missions and getattr(request, "accepted_renderer", None) is not None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

