"""API clients signed in as a given user, for tests that act as several people at once."""

from rest_framework.test import APIClient


def api_client_for(user) -> APIClient:
    """An API client authenticated as `user`; the user rides along as `client.user`."""
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client
