"""Brute-force protection (django-axes): the lockout answer, and where a request comes from.

Axes counts failed logins per (username, client address) and, past `LOGIN_FAILURE_LIMIT`,
refuses even the right password for `LOGIN_LOCKOUT_MINUTES`. The pair, not the address alone:
a hospital's staff share one address behind its NAT, and one person's typos must not lock
out the others; nor the username alone: anyone could then lock the on-call coordinator out.
"""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

LOCKED_OUT_STATUS = 429


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (`AXES_CLIENT_IP_CALLABLE`, and the audit of clinical reads).

    Behind `TRUSTED_PROXY_COUNT` proxies it is that many entries from the right of
    X-Forwarded-For: entries further left were written by the client and prove nothing.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def retry_after_seconds(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_message(request: HttpRequest) -> str:
    minutes = max(1, math.ceil(retry_after_seconds(request) / 60))
    return ngettext(
        "Too many failed logins for this account from your address. Try again in %(minutes)d minute.",
        "Too many failed logins for this account from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: JSON for the API, the login page with the reason for people; 429 both."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=LOCKED_OUT_STATUS)
    else:
        response = render(
            request, "registration/login.html", {"locked_out": message, "form": None}, status=LOCKED_OUT_STATUS
        )
    response["Retry-After"] = str(retry_after_seconds(request))
    return response
