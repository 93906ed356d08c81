"""Reading a record is reading the patient's clinical data: each read is logged first (`referrals.audit`).

The log names the view by its endpoint and keeps the path, so a record read is told apart by
its path (`/missions/{id}/record/`, `.pdf`, `/api/v1/missions/{id}/record/`).
"""

from django.http import HttpRequest

from dispatch.referrals import audit

# Until the audit log has endpoints of its own for the record, a record read is logged as a read
# of the mission (page or API), with the record's own path.
ENDPOINTS = {"api": "api.mission", "page": "page.mission", "pdf": "page.mission"}


def record_read(*, request: HttpRequest, mission_id: int, kind: str) -> None:
    """Log the read before anything is rendered; raises (and nothing is shown) if it cannot be logged."""
    audit.record_read(request=request, mission_id=mission_id, endpoint=ENDPOINTS[kind])
