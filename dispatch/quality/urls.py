"""Routes of dispatch.quality (pages at the root, API under api/v1/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
