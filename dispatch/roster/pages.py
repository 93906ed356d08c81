"""Roster pages: the coordinators' week view with its forms, and each member's own page.

Thin: selectors read, services write; a service's per-field errors land on the form's fields.
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import roles
from dispatch.errors import Conflict, DispatchError, NotVisible, ValidationFailed
from dispatch.notifications import selectors as paging_selectors
from dispatch.notifications.models import Shift
from dispatch.notifications.services import roster as shift_services
from dispatch.roles import display_name
from dispatch.roster import selectors, services
from dispatch.roster.forms import ShiftForm, SwapForm, add_service_errors


def _coordinator(request: HttpRequest) -> None:
    if not roles.is_coordinator(request.user):
        raise PermissionDenied


def _staff(request: HttpRequest) -> None:
    if not (roles.is_team_member(request.user) or roles.is_coordinator(request.user)):
        raise PermissionDenied


def _sane_day(raw: str) -> date | None:
    """A date from the query, or None when it is malformed or outside the years a roster could hold."""
    try:
        day = parse_date(raw or "")
    except ValueError:
        return None
    if day is None or not (2000 <= day.year <= timezone.localdate().year + 5):
        return None
    return day


def _week_of(request: HttpRequest) -> date:
    return selectors.week_start(_sane_day(request.GET.get("week", "")) or timezone.localdate())


def _week_url(day: date) -> str:
    return f"{reverse('roster-week')}?week={selectors.week_start(day).isoformat()}"


@login_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """A week per role with primary and backup; hours nobody covers are marked."""
    _coordinator(request)
    first = _week_of(request)
    view = selectors.week(first)
    context = {
        **view,
        "previous_week": _week_url(first - timedelta(days=7)),
        "next_week": _week_url(first + timedelta(days=7)),
        "this_week": reverse("roster-week"),
        "swaps": selectors.open_swaps(),
    }
    return render(request, "roster/week.html", context)


def _initial_shift(request: HttpRequest) -> dict:
    """Prefill from the week view's "add" link: role, tier and the day (08:00 to the next 08:00)."""
    initial = {key: request.GET[key] for key in ("team_role", "tier") if request.GET.get(key)}
    day = _sane_day(request.GET.get("day", ""))
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, time(8)))
        initial |= {"starts_at": start, "ends_at": start + timedelta(hours=24)}
    return initial


def _save_shift(request: HttpRequest, form: ShiftForm, shift: Shift | None) -> Shift | None:
    if not form.is_valid():
        return None
    try:
        if shift is None:
            return shift_services.create_shift(actor=request.user, **form.service_fields())
        return shift_services.update_shift(actor=request.user, shift_id=shift.pk, **form.service_fields())
    except ValidationFailed as exc:
        add_service_errors(form, exc)
        return None


@login_required
def shift_new(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    form = ShiftForm(request.POST or None, initial=_initial_shift(request))
    if request.method == "POST":
        saved = _save_shift(request, form, None)
        if saved is not None:
            messages.success(request, _("Shift saved."))
            return redirect(_week_url(timezone.localdate(saved.starts_at)))
    return render(request, "roster/shift_form.html", {"form": form, "shift": None}, status=400 if form.errors else 200)


@login_required
def shift_edit(request: HttpRequest, shift_id: int) -> HttpResponse:
    _coordinator(request)
    shift = get_object_or_404(Shift.objects.select_related("member"), pk=shift_id)
    initial = {
        "member": shift.member,
        "team_role": shift.team_role,
        "tier": shift.tier,
        "starts_at": timezone.localtime(shift.starts_at),
        "ends_at": timezone.localtime(shift.ends_at),
    }
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = _save_shift(request, form, shift)
        if saved is not None:
            messages.success(request, _("Shift saved."))
            return redirect(_week_url(timezone.localdate(saved.starts_at)))
    return render(
        request, "roster/shift_form.html", {"form": form, "shift": shift}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def shift_delete(request: HttpRequest, shift_id: int) -> HttpResponse:
    _coordinator(request)
    shift = get_object_or_404(Shift, pk=shift_id)
    back = _week_url(timezone.localdate(shift.starts_at))
    shift_services.delete_shift(actor=request.user, shift_id=shift.pk)
    messages.success(request, _("Shift deleted."))
    return redirect(back)


@login_required
@require_POST
def swap_decide(request: HttpRequest, swap_id: int) -> HttpResponse:
    _coordinator(request)
    approve = request.POST.get("decision") == "approve"
    try:
        swap = services.decide_swap(actor=request.user, swap_id=swap_id, approve=approve)
    except NotVisible as exc:
        raise Http404(exc.message) from None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        decided = _("Swap approved: the shift has changed hands.") if approve else _("Swap declined.")
        messages.success(request, f"{decided} {_told_by_sms(swap)}")
    return redirect(_safe_next(request) or reverse("roster-week"))


def _told_by_sms(swap) -> str:
    """Who hears of the decision by SMS, and whom the coordinator must tell in person (no number)."""
    untold = [m for m in (swap.requested_by, swap.colleague) if not paging_selectors.phone_of(m)]
    if not untold:
        return _("Both members are told by SMS.")
    return _("No phone number for %(names)s: tell them yourself.") % {
        "names": ", ".join(display_name(m) for m in untold)
    }


def _safe_next(request: HttpRequest) -> str:
    """Back where the coordinator was, but only ever on this site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


# --- the member's own page ------------------------------------------------------------------


def _me_context(request: HttpRequest, swap_form: SwapForm) -> dict:
    member = request.user
    feed = services.calendar_feed(member=member)
    return {
        "shifts": selectors.coming_shifts(member),
        "swaps": selectors.swaps_of(member),
        "swap_form": swap_form,
        "calendar_url": request.build_absolute_uri(reverse("roster-calendar", args=[feed.token])),
        "phone": paging_selectors.phone_of(member),
        "test_pages": [selectors.self_test_brief(n) for n in selectors.self_test_pages(member)],
        "test_pages_url": reverse("api-roster-test-pages"),
    }


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The member's shifts, swap requests, calendar address and test page."""
    _staff(request)
    has_role = bool(getattr(getattr(request.user, "profile", None), "team_role", ""))
    form = SwapForm(member=request.user) if has_role else None
    return render(request, "roster/me.html", _me_context(request, form))


@login_required
@require_POST
def swap_request(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form = SwapForm(request.POST, member=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_swap(
                actor=request.user,
                shift_id=data["shift"].pk,
                colleague_id=data["colleague"].pk,
                their_shift_id=data["their_shift"].pk if data["their_shift"] else None,
                note=data["note"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except DispatchError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Swap requested: a coordinator will approve or decline it."))
            return redirect("roster-me")
    return render(request, "roster/me.html", _me_context(request, form), status=400)


@login_required
@require_POST
def swap_withdraw(request: HttpRequest, swap_id: int) -> HttpResponse:
    _staff(request)
    try:
        services.withdraw_swap(actor=request.user, swap_id=swap_id)
    except NotVisible as exc:
        raise Http404(exc.message) from None
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("roster-me")


@login_required
@require_POST
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    _staff(request)
    services.rotate_calendar(member=request.user)
    messages.success(request, _("New calendar address made; the old one no longer works."))
    return redirect("roster-me")


@login_required
@require_POST
def self_test_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    try:
        services.send_test_page(member=request.user)
    except ValidationFailed as exc:
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DispatchError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Test page sent; its delivery shows below."))
    return redirect("roster-me")


@require_GET
def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The secret calendar address (no login: calendar apps fetch it); a wrong token is a 404."""
    try:
        body = selectors.calendar_ics(token)
    except NotVisible:
        raise Http404 from None
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ecmo-on-call.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
