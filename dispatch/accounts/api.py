"""Token login and logout for phones and scripts; thin views over `tokens`."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.accounts import lockout, tokens

TOKEN_OUTPUT = inline_serializer(
    "TokenOutput", fields={"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)


class TokenObtainApi(APIView):
    """Username and password for a token. Too many wrong passwords: 429 with the time to wait."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=AuthTokenSerializer, responses={200: TOKEN_OUTPUT})
    def post(self, request):
        data = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            data.is_valid(raise_exception=True)
        except ValidationError:
            # Axes marks the request it refused (the DRF request: the serializer passes it on).
            if getattr(request, "axes_locked_out", False):
                response = Response(
                    {"detail": lockout.lockout_message(request._request), "code": "locked_out"},
                    status=lockout.LOCKED_OUT_STATUS,
                )
                response["Retry-After"] = str(lockout.retry_after_seconds(request._request))
                return response
            raise
        token = tokens.fresh_token(data.validated_data["user"])
        return Response({"token": token.key, "expires_at": tokens.expires_at(token)})


class TokenRevokeApi(APIView):
    """Log a token out: the caller's token (or, with a session, all of the caller's tokens) is deleted."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: inline_serializer("TokenRevoked", fields={"revoked": serializers.IntegerField()})},
    )
    def post(self, request):
        if request.auth is not None and hasattr(request.auth, "delete"):
            request.auth.delete()
            revoked = 1
        else:
            revoked = tokens.revoke_tokens(request.user.pk)
        return Response({"revoked": revoked, "detail": _("Token revoked.")}, status=status.HTTP_200_OK)
