"""The checklist page the referring ICU ticks on a phone; everyone following the mission sees it live."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch import selectors as dispatch_selectors
from dispatch.preparation import selectors


@login_required
def checklist_page(request: HttpRequest, mission_id: int) -> HttpResponse:
    """Whoever may see the mission (its hospital's referrers, coordinators, its team); 404 otherwise,
    and for a mission without a checklist. Ticks arrive over `ws/missions/<id>/`."""
    mission = get_object_or_404(dispatch_selectors.missions_visible_to(request.user), pk=mission_id)
    if not selectors.has_checklist(mission):
        raise Http404
    checklist = selectors.checklist(mission, user=request.user)
    last = dispatch_selectors.mission_events(mission=mission).last()
    config = {
        "stream": f"/ws/missions/{mission.pk}/",
        "after": last.sequence if last else dispatch_selectors.current_sequence(),
        "apiUrl": reverse("api-mission-preparation", args=[mission.pk]),
        "reconnectInitialMs": settings.REALTIME_RECONNECT_INITIAL_MS,
        "reconnectMaxMs": settings.REALTIME_RECONNECT_MAX_MS,
        "staleMs": int(settings.REALTIME_CATCH_UP_SECONDS * 3000) + 5000,
        "checklist": checklist,
        # The connection indicator's words (dispatch/live.js), in the page's language.
        "connection": {
            "connecting": _("Connecting…"),
            "reconnecting": _("Reconnecting…"),
            "live": _("Live"),
            "loggedOut": _("Logged out"),
            "noAccess": _("No access"),
            "offlineRetry": _("Offline — retry in {s} s"),
            "reconnectRetry": _("Reconnecting — retry in {s} s"),
        },
    }
    return render(request, "preparation/checklist.html", {"checklist": checklist, "config": config})
