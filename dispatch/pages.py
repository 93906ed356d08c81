"""Server-rendered pages. Thin: selectors for reads, services for writes."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch import roles, selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    missions = selectors.mission_list(user=request.user, active=True)
    return render(
        request,
        "dispatch/home.html",
        {"missions": missions, "roles": sorted(roles.roles_of(request.user))},
    )
