"""Who read which patient: every read of a referral's clinical data leaves one row in `ClinicalRead`.

What counts as a read (GDPR Art. 9 health data): a response that shows one patient's clinical
data — the referral (API and page), its change history, the mission's record (API detail and
the mission page: age, sex, weight, note, scores from the referral) and one mission's live stream
(`ws/missions/<id>/`, logged when it connects). Lists and the board show the summary of many
missions at once, with scores but no clinical inputs, and are not logged per mission; opening a
mission from them is.

The row is written in the request, before the data is rendered, in its own autocommitted
INSERT: if it cannot be written the request fails (the database being away is a 503 anyway)
and nothing is shown. A read must not happen unlogged.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest

from dispatch.accounts.lockout import client_ip
from dispatch.referrals.models import ClinicalRead

# endpoint -> what it is, for the docs and the listing's filter.
ENDPOINTS = {
    "api.referral": "GET /api/v1/missions/{id}/referral/",
    "api.referral.create": "POST /api/v1/referrals/ (the answer shows the values)",
    "api.referral.update": "PATCH /api/v1/missions/{id}/referral/ (the answer shows the values)",
    "api.referral.history": "GET /api/v1/missions/{id}/referral/history/",
    "api.mission": "GET /api/v1/missions/{id}/",
    "page.referral": "/referrals/{id}/",
    "page.mission": "/missions/{id}/",
    "ws.mission": "ws/missions/{id}/ (the live stream of one mission, on connect)",
}


def record_read(*, request: HttpRequest, mission_id: int, endpoint: str) -> ClinicalRead:
    """One INSERT; raises if it fails (the caller then shows nothing). `request` may be DRF's."""
    assert endpoint in ENDPOINTS, endpoint
    return ClinicalRead.objects.create(
        user=request.user,
        mission_id=mission_id,
        endpoint=endpoint,
        path=request.path[:200],
        ip_address=client_ip(getattr(request, "_request", request)),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


def record_stream_read(*, user, mission_id: int, scope: dict) -> ClinicalRead:
    """The same row for a WebSocket that starts following one mission (its ASGI scope, not a request)."""
    headers = dict(scope.get("headers") or [])
    client = scope.get("client") or (None, None)
    return ClinicalRead.objects.create(
        user=user,
        mission_id=mission_id,
        endpoint="ws.mission",
        path=str(scope.get("path", ""))[:200],
        ip_address=client[0] or None,
        user_agent=headers.get(b"user-agent", b"").decode("latin-1")[:300],
    )


def may_list_reads(user: AbstractBaseUser) -> bool:
    """Staff, or whoever holds `referrals.view_clinicalread` (e.g. the data protection officer's group)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.has_perm("referrals.view_clinicalread")


def clinical_reads(
    *,
    mission_id: int | None = None,
    user_id: int | None = None,
    endpoint: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> QuerySet[ClinicalRead]:
    """The log, newest first, filtered; the caller checks `may_list_reads` and slices."""
    qs = ClinicalRead.objects.select_related("user", "mission")
    if mission_id is not None:
        qs = qs.filter(mission_id=mission_id)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if endpoint:
        qs = qs.filter(endpoint=endpoint)
    if since is not None:
        qs = qs.filter(read_at__gte=since)
    if until is not None:
        qs = qs.filter(read_at__lt=until)
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-read_at", "-pk")
