"""Record pages: the printable record (and its PDF), the debrief form, the follow-up form.

Thin: the record comes from the one builder (`record.mission_record`), writes go through
`services`; whoever may not read a mission's record gets a 404, never a hint it exists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dispatch import roles
from dispatch.errors import Conflict, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import EventSource, Mission
from dispatch.records import audit, forms, selectors, services
from dispatch.records.models import Debrief, PatientFollowUp
from dispatch.records.pdf import PdfUnavailable, record_pdf
from dispatch.records.record import mission_record


def _visible(request: HttpRequest, mission_id: int) -> Mission:
    try:
        return selectors.record_visible_to(request.user, mission_id)
    except NotVisible:
        raise Http404 from None


def _may_follow_up(user, mission: Mission) -> bool:
    return roles.is_coordinator(user) and not mission.is_drill and mission.status in selectors.DEBRIEFED_STATUSES


def _may_open_debrief(user, mission: Mission) -> bool:
    return (
        mission.status in selectors.DEBRIEFED_STATUSES
        and selectors.may_debrief(user, mission)
        and not Debrief.objects.filter(mission=mission).exists()
    )


def _follow_up_initial(mission: Mission) -> dict:
    existing = PatientFollowUp.objects.filter(mission=mission).first()
    if existing is None:
        return {}
    return {name: getattr(existing, name) for name in services.FOLLOW_UP_FIELDS}


def _record_page(request: HttpRequest, mission: Mission, *, follow_up_form=None, status: int = 200) -> HttpResponse:
    # The record shows the patient's clinical data: the read is logged before it is built.
    audit.record_read(request=request, mission_id=mission.pk, kind="page")
    may_follow_up = _may_follow_up(request.user, mission)
    if may_follow_up and follow_up_form is None:
        follow_up_form = forms.FollowUpForm(initial=_follow_up_initial(mission))
    context = {
        "record": mission_record(mission, user=request.user),
        "follow_up_form": follow_up_form if may_follow_up else None,
        "may_debrief": _may_open_debrief(request.user, mission),
    }
    return render(request, "records/record.html", context, status=status)


@login_required
def record_page(request: HttpRequest, mission_id: int) -> HttpResponse:
    """The printable record; coordinators also enter the patient's follow-up here."""
    return _record_page(request, _visible(request, mission_id))


@login_required
def record_pdf_download(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = _visible(request, mission_id)
    audit.record_read(request=request, mission_id=mission.pk, kind="pdf")
    record = mission_record(mission, user=request.user)
    try:
        pdf = record_pdf(record, request=request)
    except PdfUnavailable:
        return HttpResponse(
            _("The PDF cannot be made on this server just now; print the record page instead."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{mission.code}.pdf"'
    return response


@login_required
@require_POST
def follow_up_page(request: HttpRequest, mission_id: int) -> HttpResponse:
    """The follow-up form's target: saved, back to the record; wrong, the record with the form's errors."""
    mission = _visible(request, mission_id)
    if not _may_follow_up(request.user, mission):
        raise PermissionDenied
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.save_follow_up(
                mission_id=mission.pk, actor=request.user, source=EventSource.WEB, **form.cleaned_data
            )
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except (Conflict, NotAllowed) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("mission-record", mission.pk)
    return _record_page(request, mission, follow_up_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def debrief_page(request: HttpRequest, mission_id: int) -> HttpResponse:
    """The debrief form, for coordinators and the mission's team once the mission has ended."""
    mission = _visible(request, mission_id)
    if not selectors.may_debrief(request.user, mission):
        raise PermissionDenied
    done = Debrief.objects.filter(mission=mission).exists()
    ended = mission.status in selectors.DEBRIEFED_STATUSES
    form = forms.DebriefForm(request.POST or None)
    actions = forms.ActionFormSet(request.POST or None, prefix="actions")
    status = 200
    if request.method == "POST" and ended and not done:
        if form.is_valid() and actions.is_valid():
            try:
                services.submit_debrief(
                    mission_id=mission.pk,
                    actor=request.user,
                    actions=forms.actions_from(actions),
                    source=EventSource.WEB,
                    **form.cleaned_data,
                )
            except ValidationFailed as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except (Conflict, NotAllowed) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Debrief saved. Thank you."))
                return redirect("mission-record", mission.pk)
        status = 400
    elif request.method == "POST":
        status = 409
    context = {
        "mission": mission,
        "form": form,
        "actions": actions,
        "done": done,
        "ended": ended,
        "due": selectors.debrief_due_at(mission.closed_at) if mission.closed_at else None,
    }
    return render(request, "records/debrief.html", context, status=status)
