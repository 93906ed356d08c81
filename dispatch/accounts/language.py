"""The top bar's language switch: the page's language and the person's own.

Django's `set_language` keeps the choice in a cookie for this browser; for a logged-in person it
also becomes their `Profile.language`, the language the service texts and calls them in.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from dispatch.models import Profile


def remember_language(*, user, language: str) -> bool:
    """Make `language` the person's own (SMS, calls); False when it is not one we speak."""
    if language not in dict(settings.LANGUAGES):
        return False
    return Profile.objects.filter(user=user).update(language=language) > 0


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """POST language=sl|en (and next): Django's view, then the logged-in person's profile."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        remember_language(user=request.user, language=request.POST.get("language", ""))
    return response
