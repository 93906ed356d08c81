"""JSON request bodies with a nesting limit.

DRF's own JSONParser hands the body to ``json.loads``, whose C scanner recurses per level: a
body of a few thousand ``[`` raised ``RecursionError`` and answered 500 (with DEBUG on, the
debug page and its settings). No request of ours nests deeper than a handful of levels, so a
body deeper than ``API_JSON_MAX_DEPTH`` is a 400 that says why, before any view sees it.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth(value: Any) -> int:
    """How deeply containers nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children)
    return deepest


def too_deep_error() -> ParseError:
    return ParseError(
        _("The JSON body is nested too deeply (more than %d levels).") % settings.API_JSON_MAX_DEPTH
    )


def loads_limited(text: str) -> Any:
    """``json.loads`` that refuses deep nesting with a ParseError instead of a RecursionError."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise too_deep_error() from None
    except ValueError as exc:
        raise ParseError(_("JSON parse error - %s") % exc) from None
    if json_depth(data) > settings.API_JSON_MAX_DEPTH:
        raise too_deep_error()
    return data


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit: deep bodies are a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON parse error - %s") % exc) from None
        return loads_limited(text)
