"""The mission list as ready JSON bytes: the board polls it, so a poll should cost what the framework costs.

The list's bytes are kept in the process-local cache (CACHES["default"]), keyed by
`selectors.mission_list_version` (who sees it, the filters, the global event sequence, count and
latest edit) and the language: a hit is one query and no serialisation. The key moves with every
event anywhere, never per mission, because a summary also says who is busy on *another* mission.
The one read model stays `dispatch.presenters`: these are its output, encoded once.
"""

import json
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from dispatch import presenters, selectors
from dispatch.models import Mission

CACHE_SECONDS = 300
_renderer = JSONRenderer()


def mission_list_json(*, user, missions: QuerySet[Mission], filters: dict) -> bytes:
    """The list as the JSON the API sends (DRF's compact encoding), from the cache when unchanged."""
    language = get_language()
    key = f"{selectors.mission_list_version(user=user, missions=missions, filters=filters)}:{language}"
    body = cache.get(key)
    if body is None:
        body = _renderer.render(list(presenters.mission_summaries(missions).values()))
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body


class JSONBytesResponse(Response):
    """A response whose JSON is already encoded: sent as is to JSON clients, decoded only when needed
    (the browsable API, other renderers, `response.data` in tests)."""

    def __init__(self, body: bytes, **kwargs: Any) -> None:
        self._body = body
        self._decoded: Any = None
        super().__init__(None, **kwargs)

    @property
    def data(self) -> Any:
        if self._decoded is None:
            self._decoded = json.loads(self._body)
        return self._decoded

    @data.setter
    def data(self, value: Any) -> None:
        self._decoded = value

    @property
    def rendered_content(self) -> bytes:
        renderer = getattr(self, "accepted_renderer", None)
        if type(renderer) is JSONRenderer and "indent" not in (getattr(self, "accepted_media_type", "") or ""):
            self["Content-Type"] = renderer.media_type
            return self._body
        return super().rendered_content
