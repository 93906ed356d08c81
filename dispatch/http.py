"""What every app's API views share: the Idempotency-Key header and where a request came from."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from dispatch.errors import ValidationFailed
from dispatch.models import EventSource

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying with the same key returns the first result instead of acting twice.",
)


def idempotency_key(request) -> str | None:
    """The client's key for a retried tap (1–100 characters), or None when it sent none."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 100:
        raise ValidationFailed({"Idempotency-Key": [_("Use 1–100 characters.")]})
    return key


def event_source(request) -> str:
    """Pages log in with the session ("web"); phones and scripts with a token ("api")."""
    return EventSource.WEB if request.auth is None else EventSource.API
