"""One place turns domain errors into HTTP answers."""

from django.db import OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dispatch.api.parsers import too_deep_error
from dispatch.errors import Conflict, DispatchError, NotAllowed, NotVisible, ValidationFailed


def exception_handler(exc, context):
    if isinstance(exc, RecursionError):
        # A view with its own parser list (DRF's token view) still parses with the stock JSON
        # parser, which recurses per nesting level: deep input is the client's error, not ours.
        exc = too_deep_error()
    if isinstance(exc, ValidationFailed):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DispatchError):
        code = {
            NotVisible: status.HTTP_404_NOT_FOUND,
            NotAllowed: status.HTTP_403_FORBIDDEN,
        }.get(type(exc))
        if code is None:
            code = status.HTTP_409_CONFLICT if isinstance(exc, Conflict) else status.HTTP_400_BAD_REQUEST
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=code)
    if isinstance(exc, OperationalError):
        # The database went away mid-request: nothing was committed; tell the client to retry.
        return Response(
            {"detail": "The database is unavailable; nothing was changed. Please retry.", "code": "unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    return drf_exception_handler(exc, context)
