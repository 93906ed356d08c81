"""Running an alert's escalation policy: one step at a time, each step due at a stored time.

Every scheduled run carries the alert's `active_token` (Grafana OnCall's pattern): the task
locks the alert and quietly leaves unless its token is still the active one, so a duplicate
or stale task never pages twice, and the reconcile task can safely run any overdue step.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import scheduling
from dispatch.errors import NotVisible
from dispatch.models import EventSource, Mission
from dispatch.notifications import errors, selectors, texts
from dispatch.notifications.models import (
    ERROR,
    Alert,
    AlertRecipient,
    AlertState,
    Channel,
    EscalationPolicy,
    Notification,
    PagingContact,
    Purpose,
    Response,
)
from dispatch.notifications.services import delivery
from dispatch.notifications.services.locks import lock_alert
from dispatch.roles import display_name
from dispatch.services.timeline import record_event

logger = logging.getLogger(__name__)

# A task may fire this early (timer jitter) and still count as on time.
EARLY_TOLERANCE = timedelta(milliseconds=500)


STEP_TASK = "notifications.run_escalation_step"
STEPS_TASK = "notifications.run_escalation_steps"


def _timing(row: EscalationPolicy | None, field: str, setting: str) -> int:
    """The role's own value if it has one, else the ESCALATION_* setting: the one source of defaults."""
    value = getattr(row, field) if row is not None else None
    return value if value is not None else getattr(settings, setting)


def policy_snapshot(team_role: str) -> dict:
    """The role's policy as steps, copied onto an alert when it opens."""
    row = EscalationPolicy.objects.filter(team_role=team_role).first()
    sms_wait = _timing(row, "sms_wait_s", "ESCALATION_SMS_WAIT_S")
    call_wait = _timing(row, "call_wait_s", "ESCALATION_CALL_WAIT_S")
    backup_wait = _timing(row, "backup_wait_s", "ESCALATION_BACKUP_WAIT_S")
    everyone_wait = _timing(row, "everyone_wait_s", "ESCALATION_EVERYONE_WAIT_S")
    return {
        "steps": [
            {"tier": "primary", "channels": ["sms"], "wait_s": sms_wait},
            {"tier": "primary", "channels": ["voice"], "wait_s": call_wait},
            {"tier": "backup", "channels": ["sms", "voice"], "wait_s": backup_wait},
            {"tier": "everyone", "channels": ["sms", "voice"], "wait_s": everyone_wait},
            {"tier": "coordinator", "channels": ["sms"], "wait_s": 0},
        ],
        "call_attempts": _timing(row, "call_attempts", "ESCALATION_CALL_ATTEMPTS"),
        "ring_timeout_s": _timing(row, "ring_timeout_s", "ESCALATION_CALL_RING_TIMEOUT_S"),
    }


def _make_due(alert: Alert, *, delay_s: float) -> str:
    """Make the next step due after `delay_s` with a fresh token (the reconcile task reads both)."""
    alert.next_step_due_at = timezone.now() + timedelta(seconds=delay_s)
    token = str(alert.new_token())
    alert.save(update_fields=["next_step_due_at", "active_token"])
    return token


def schedule_step(alert: Alert, *, delay_s: float) -> None:
    """Make the next step due after `delay_s` and schedule it on commit with a fresh token."""
    token = _make_due(alert, delay_s=delay_s)
    # A lost enqueue is caught by the reconcile task (the due time is in the row).
    scheduling.enqueue_on_commit(STEP_TASK, (alert.pk, token), countdown=delay_s, task_id=f"alert-{alert.pk}-{token}")


def schedule_first_steps(alerts: list[Alert]) -> None:
    """Make the first step of each of a mission's new alerts due now, run together by one task.

    One task takes the mission lock once and sends every role's first pages at the same time
    (`run_due_steps`); one task per role would queue on that lock and send them one by one.
    Each alert keeps its own token and due time, so the reconcile task still runs a lost one.
    """
    steps = [(alert.pk, _make_due(alert, delay_s=0)) for alert in alerts]
    if steps:
        first_id, first_token = steps[0]
        task_id = f"alerts-{first_id}-{first_token}"
        scheduling.enqueue_on_commit(STEPS_TASK, ([list(step) for step in steps],), task_id=task_id)


def stop_escalation(alert: Alert) -> None:
    alert.next_step_due_at = None
    alert.active_token = None


def run_due_step(*, alert_id: int, token: str) -> list[int]:
    """Run the alert's next step if `token` is still active and the step is due; send its pages.

    Returns the ids of the notifications it created (already sent when it returns).
    """
    return run_due_steps(steps=[(alert_id, token)])


def run_due_steps(*, steps: list[tuple[int, str]]) -> list[int]:
    """Run each alert's next step whose token is still active and which is due, in one
    transaction (the mission is locked once), then send all their pages at the same time.

    Returns the ids of the notifications created (already sent when it returns).
    """
    ids: list[int] = []
    # Called inside a transaction (a test, a caller's own block), the pages go out after our block.
    nested = transaction.get_connection().in_atomic_block
    with transaction.atomic():
        if not nested:
            # Registered first, so the pages leave before the live broadcasts of their timeline events.
            transaction.on_commit(lambda: _send_pages(ids))
        for alert_id, token in sorted((int(a), str(t)) for a, t in steps):  # one lock order
            ids += _run_if_due(alert_id, token)
    if nested:
        delivery.deliver_together(ids)
    return ids


def _send_pages(notification_ids: list[int]) -> None:
    try:
        delivery.deliver_together(notification_ids)
    except Exception:  # noqa: BLE001 — the pages stay pending or claimed: the reconcile task sends or asks
        logger.exception("sending pages %s failed; the reconcile task takes them over", notification_ids)


def _run_if_due(alert_id: int, token: str) -> list[int]:
    """Inside the caller's transaction: lock the mission and the alert, run the step if still due."""
    try:
        mission, alert = lock_alert(alert_id)
    except (NotVisible, Alert.DoesNotExist, Mission.DoesNotExist):  # gone (mission deleted, teardown)
        return []
    if str(alert.active_token) != str(token) or alert.state != AlertState.PAGING:
        return []
    if alert.next_step_due_at is None or alert.next_step_due_at > timezone.now() + EARLY_TOLERANCE:
        return []
    return run_next_step(mission=mission, alert=alert)


def _recipients_for(alert: Alert, tier: str) -> tuple[list, list[dict]]:
    """Who this step pages, and who it skips because they are busy on another active mission.

    A member already on the road for another mission cannot come: automatic paging passes over
    them, so the backup is paged first (a coordinator may still page them by hand).
    """
    role = alert.team_role
    if tier in ("primary", "backup"):
        people = selectors.on_call(team_role=role, tier=tier)
    else:
        people = list(selectors.qualified_members(team_role=role))
    declined = set(
        AlertRecipient.objects.filter(alert=alert, response=Response.DECLINED).values_list("member_id", flat=True)
    )
    people = [person for person in people if person.pk not in declined]
    busy = selectors.busy_elsewhere([p.pk for p in people], mission_id=alert.mission_id)
    skipped = [{"member": display_name(p), "mission_code": busy[p.pk]} for p in people if p.pk in busy]
    return [p for p in people if p.pk not in busy], skipped


def page_people(
    *,
    mission: Mission,
    alert: Alert,
    people: list,
    channels: list[str],
    tier: str,
    step: int,
    busy: list[dict] | None = None,
) -> list[int]:
    """Create one notification per person and channel in a new run; skip blocked channels.

    A person whose SMS channel is blocked gets a call instead. `busy` names who was passed over
    (or, for a page by hand, who is paged although busy) for the timeline. Caller holds the alert lock.
    """
    alert.run_count += 1
    run = alert.run_count
    ids, skipped = [], []
    for person in people:
        AlertRecipient.objects.get_or_create(alert=alert, member=person, defaults={"tier": tier})
        number = selectors.phone_of(person)
        blocked = selectors.channels_for(person)
        wanted = list(channels)
        if "sms" in wanted and blocked["sms"] and "voice" not in wanted:
            wanted.append("voice")
        for channel in wanted:
            if blocked[channel]:
                skipped.append({"member": display_name(person), "channel": channel, "reason": blocked[channel]})
                continue
            notification, _created = Notification.objects.get_or_create(
                alert=alert,
                run=run,
                channel=channel,
                recipient=person,
                attempt=1,
                defaults={"step": step, "to_number": number, "body": alert.message, "purpose": Purpose.PAGE},
            )
            ids.append(notification.pk)
    record_event(
        mission=mission,
        kind="alert.paged",
        source=EventSource.SYSTEM,
        payload={
            "alert_id": alert.pk,
            "team_role": alert.team_role,
            "tier": tier,
            "step": step,
            "members": [display_name(p) for p in people],
            "channels": channels,
            "skipped": skipped,
            "busy": busy or [],
        },
    )
    return ids


def run_next_step(*, mission: Mission, alert: Alert) -> list[int]:
    """Run policy steps from `alert.step_index` until one pages somebody. Caller holds the locks."""
    steps = alert.policy.get("steps", [])
    passed_over: dict[str, dict] = {}  # busy people skipped on the way, named on the step that pages
    while alert.step_index < len(steps):
        index = alert.step_index
        step = steps[index]
        alert.step_index += 1
        if step["tier"] == "coordinator":
            ids = _mark_uncovered(mission=mission, alert=alert, step=index, busy=list(passed_over.values()))
            alert.save()
            return ids
        people, busy = _recipients_for(alert, step["tier"])
        passed_over.update((entry["member"], entry) for entry in busy)
        if not people:
            logger.info("alert %s step %s (%s): nobody to page, moving on", alert.pk, index, step["tier"])
            continue
        ids = page_people(
            mission=mission,
            alert=alert,
            people=people,
            channels=step["channels"],
            tier=step["tier"],
            step=index,
            busy=list(passed_over.values()),
        )
        if not ids:
            continue
        alert.current_run = alert.run_count
        alert.save()
        schedule_step(alert, delay_s=step["wait_s"])
        return ids
    stop_escalation(alert)
    alert.save()
    return []


def _mark_uncovered(*, mission: Mission, alert: Alert, step: int, busy: list[dict]) -> list[int]:
    """Nobody answered: tell the coordinators; the alert stays open for a late acceptance."""
    alert.state = AlertState.UNCOVERED
    stop_escalation(alert)
    alert.run_count += 1
    alert.current_run = alert.run_count
    text = texts.uncovered_message(mission, alert.team_role)
    body = texts.worded_in(texts.default_language(), text)  # the timeline's note
    ids = []
    for coordinator in selectors.coordinators():
        number = selectors.phone_of(coordinator)
        if not number:
            continue
        worded = texts.worded_in(texts.language_of(coordinator), text)
        notification, _created = Notification.objects.get_or_create(
            alert=alert,
            run=alert.run_count,
            channel=Channel.SMS,
            recipient=coordinator,
            attempt=1,
            defaults={"step": step, "to_number": number, "body": worded, "purpose": Purpose.UNCOVERED},
        )
        ids.append(notification.pk)
    record_event(
        mission=mission,
        kind="alert.uncovered",
        source=EventSource.SYSTEM,
        note=body,
        payload={"alert_id": alert.pk, "team_role": alert.team_role, "busy": busy},
    )
    return ids


def stand_down_others(*, mission: Mission, alert: Alert) -> list[int]:
    """The role is covered: tell everyone else paged for it, who has not answered, to stand down.

    A backup woken at 3 a.m. must not drive in for a role someone already took. Caller holds
    the alert lock; the SMS go out on commit.
    """
    waiting = (
        AlertRecipient.objects.filter(alert=alert, response=Response.NONE)
        .exclude(member_id=alert.accepted_by_id)
        .select_related("member", "member__profile")
    )
    covered_by = display_name(alert.accepted_by) if alert.accepted_by else _("a colleague")
    text = texts.role_covered_message(mission, alert.team_role, covered_by)
    people = [r.member for r in waiting if not selectors.channels_for(r.member)["sms"]]
    if not people:
        return []
    alert.run_count += 1
    ids = []
    for person in people:
        notification, _created = Notification.objects.get_or_create(
            alert=alert,
            run=alert.run_count,
            channel=Channel.SMS,
            recipient=person,
            attempt=1,
            defaults={
                "step": alert.step_index,
                "to_number": selectors.phone_of(person),
                "body": texts.worded_in(texts.language_of(person), text),
                "purpose": Purpose.STAND_DOWN,
            },
        )
        ids.append(notification.pk)
    return ids


def current_run_exhausted(alert: Alert) -> bool:
    """True when nobody paged in the current step can still answer (all declined or unreachable)."""
    notifications = list(Notification.objects.filter(alert=alert, run=alert.current_run, purpose=Purpose.PAGE))
    if not notifications:
        return False
    declined = set(
        AlertRecipient.objects.filter(alert=alert, response=Response.DECLINED).values_list("member_id", flat=True)
    )
    outstanding = {
        n.recipient_id for n in notifications if n.recipient_id not in declined and not n.finished_without_answer
    }
    return not outstanding


def advance_if_exhausted(alert: Alert) -> bool:
    """Move to the next step at once when the current one cannot succeed. Caller holds the lock."""
    if alert.state != AlertState.PAGING or not current_run_exhausted(alert):
        return False
    schedule_step(alert, delay_s=0)
    return True


# --- a page that can no longer be answered ----------------------------------------------


def _block_channel(notification: Notification) -> None:
    contact, _created = PagingContact.objects.get_or_create(member_id=notification.recipient_id)
    if contact.blocked_number != notification.to_number:
        contact.blocked_number = notification.to_number
        contact.sms_blocked_code = None
        contact.voice_blocked_code = None
    if notification.channel == Channel.SMS:
        contact.sms_blocked_code = notification.error_code
    else:
        contact.voice_blocked_code = notification.error_code
    if notification.error_code == 21610:
        contact.sms_opted_out = True
        contact.sms_opted_out_at = contact.sms_opted_out_at or timezone.now()
    contact.save()


def after_page_failed(*, notification_id: int, permanent: bool) -> None:
    """A page can no longer be answered: block a dead channel, fall back to a call, call again,
    or move the escalation on at once when nobody in the current step is left to answer.

    Registered with the outbound pipeline for `Purpose.PAGE` (see `apps.py`).
    """
    new_ids: list[int] = []
    with transaction.atomic():
        alert_id = Notification.objects.values_list("alert_id", flat=True).get(pk=notification_id)
        if alert_id is None:
            return
        mission, alert = lock_alert(alert_id)
        notification = (
            Notification.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=notification_id)
        )
        member = notification.recipient
        if permanent and member is not None:
            _block_channel(notification)
            record_event(
                mission=mission,
                kind="alert.channel_skipped",
                source=EventSource.SYSTEM,
                note=f"{notification.get_channel_display()} to {display_name(member)} skipped: "
                f"{notification.error_reason or errors.reason(notification.error_code)}",
                payload={
                    "alert_id": alert.pk,
                    "team_role": alert.team_role,
                    "channel": notification.channel,
                    "member": display_name(member),
                    "error_code": notification.error_code,
                },
            )
        answered = AlertRecipient.objects.filter(alert=alert, member=member).exclude(response=Response.NONE).exists()
        if alert.state == AlertState.PAGING and member is not None and not answered:
            new_ids = _follow_up(alert, notification)
        if not new_ids and notification.run == alert.current_run:
            advance_if_exhausted(alert)
        delivery.send_on_commit(new_ids)


def _follow_up(alert: Alert, notification: Notification) -> list[int]:
    """Failed SMS → call now (unless this step calls them anyway); unanswered call → call again."""
    member = notification.recipient
    if selectors.channels_for(member)["voice"]:
        return []
    run_voice = Notification.objects.filter(alert=alert, run=notification.run, recipient=member, channel=Channel.VOICE)
    if notification.channel == Channel.SMS:
        if run_voice.exists():
            return []
        attempt = 1
    else:
        attempts = alert.policy.get("call_attempts", 1)
        if notification.attempt >= attempts or notification.status == ERROR:
            return []
        if run_voice.filter(attempt__gt=notification.attempt).exists():
            return []
        attempt = notification.attempt + 1
    follow, created = Notification.objects.get_or_create(
        alert=alert,
        run=notification.run,
        channel=Channel.VOICE,
        recipient=member,
        attempt=attempt,
        defaults={
            "step": notification.step,
            "to_number": selectors.phone_of(member),
            "body": alert.message,
            "purpose": Purpose.PAGE,
        },
    )
    return [follow.pk] if created else []
