from django.urls import path

from dispatch.accounts import api

urlpatterns = [
    path("api/v1/auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("api/v1/auth/token/revoke/", api.TokenRevokeApi.as_view(), name="api-token-revoke"),
]
