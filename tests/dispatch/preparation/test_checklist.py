"""The checklist as a service: opened on activation with the referrer's SMS, ticked, in the read model."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import presenters
from dispatch.models import EventSource, Mission, MissionEvent, MissionKind, MissionStatus
from dispatch.notifications.models import PENDING, Notification, Purpose
from dispatch.preparation import services, texts
from dispatch.preparation.models import ItemScope, MissionPreparation, PreparationItem, PreparationTick
from dispatch.preparation.selectors import preparation_progress
from dispatch.services.missions import transition_mission
from dispatch.tracking.selectors import minutes_after_departure, mission_travel
from tests.dispatch.preparation.conftest import REFERRER_PHONE, activated_mission
from tests.support import factories
from tests.support.live import capture_live_messages

pytestmark = pytest.mark.django_db


def _item(key: str) -> PreparationItem:
    return PreparationItem.objects.get(key=key)


def test_the_shipped_checklist_has_every_item_of_the_brochure(items):
    assert [i.key for i in items] == [
        "blood", "arterial_line", "central_line", "chest_xray", "labs", "family", "records", "bedside",
    ]
    assert [i.key for i in items if i.value_label] == ["blood"]  # units of blood: a number on the tick


def test_activation_opens_the_checklist_from_the_active_items(items, coordinator):
    PreparationItem.objects.filter(key="family").update(active=False)

    mission = activated_mission(coordinator)

    keys = list(PreparationTick.objects.filter(mission=mission).values_list("item__key", flat=True))
    assert keys == [i.key for i in items if i.key != "family"]
    assert not PreparationTick.objects.filter(mission=mission, done=True).exists()


def test_a_secondary_transfer_is_not_asked_to_keep_veins_free_for_cannulation(items, coordinator):
    secondary = activated_mission(coordinator, kind=MissionKind.SECONDARY)  # already on ECMO
    primary = activated_mission(coordinator, kind=MissionKind.PRIMARY)

    def keys(mission):
        return set(PreparationTick.objects.filter(mission=mission).values_list("item__key", flat=True))

    assert "central_line" in keys(primary)
    assert keys(secondary) == keys(primary) - {"central_line"}


def test_an_item_for_secondary_transfers_only_stays_off_a_primary_checklist(items, coordinator):
    PreparationItem.objects.create(key="circuit", label="Circuit secured for the move", applies_to=ItemScope.SECONDARY)

    primary = activated_mission(coordinator, kind=MissionKind.PRIMARY)
    secondary = activated_mission(coordinator, kind=MissionKind.SECONDARY)

    assert not PreparationTick.objects.filter(mission=primary, item__key="circuit").exists()
    assert PreparationTick.objects.filter(mission=secondary, item__key="circuit").exists()


def test_activation_queues_one_sms_to_the_callback_phone_with_the_arrival_and_the_link(items, coordinator, settings):
    settings.PUBLIC_BASE_URL = "https://ecmo.example.si"

    mission = activated_mission(coordinator)

    sms = Notification.objects.get(mission=mission, purpose=Purpose.PREPARATION)
    told = MissionPreparation.objects.get(mission=mission).told_arrival_at
    assert (sms.to_number, sms.status) == (REFERRER_PHONE, PENDING)
    assert f"https://ecmo.example.si/missions/{mission.pk}/preparation/" in sms.body
    assert timezone.localtime(told).strftime("%H:%M") in sms.body
    assert sms.event.to_status == MissionStatus.TEAM_ACTIVATED


def test_before_departure_the_arrival_is_activation_plus_getting_going_plus_the_drive(items, coordinator):
    mission = activated_mission(coordinator)

    outbound = mission_travel(mission)["outbound"]
    estimate = outbound["estimates"][outbound["recommended"] or "road"]
    before = sum(leg["duration_min"] for leg in estimate["legs"] if leg["label"] in ("dispatch", "loading at origin"))
    expected = mission.team_activated_at + timedelta(minutes=before + minutes_after_departure(estimate))
    told = MissionPreparation.objects.get(mission=mission).told_arrival_at
    assert abs((told - expected).total_seconds()) < 1


def test_a_team_slow_to_leave_is_expected_a_drive_from_now(items, coordinator):
    mission = activated_mission(coordinator, minutes_ago=60)

    told = MissionPreparation.objects.get(mission=mission).told_arrival_at
    outbound = mission_travel(mission)["outbound"]
    drive = minutes_after_departure(outbound["estimates"][outbound["recommended"] or "road"])
    assert abs((told - timezone.now() - timedelta(minutes=drive)).total_seconds()) < 60


def test_opening_twice_makes_one_checklist_and_one_sms(items, coordinator):
    mission = activated_mission(coordinator)
    event = MissionEvent.objects.get(mission=mission, to_status=MissionStatus.TEAM_ACTIVATED)

    services.open_checklist(mission=mission, event=event)

    assert PreparationTick.objects.filter(mission=mission).count() == len(items)
    assert Notification.objects.filter(mission=mission, purpose=Purpose.PREPARATION).count() == 1


def test_a_drill_has_no_checklist_and_texts_nobody(items, coordinator):
    mission = activated_mission(coordinator, is_drill=True)

    assert not MissionPreparation.objects.filter(mission=mission).exists()
    assert not Notification.objects.filter(mission=mission, purpose=Purpose.PREPARATION).exists()


def test_the_sms_speaks_the_referring_doctors_language(items, settings):
    settings.LANGUAGE_CODE = "sl"  # the service's own language (the suite reads English)
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    referrer.profile.language = "en"
    referrer.profile.save()
    coordinator = factories.make_coordinator()

    assert texts.referrer_language(factories.MissionFactory(created_by=referrer)) == "en"
    assert texts.referrer_language(factories.MissionFactory(created_by=coordinator)) == "sl"


def test_a_tick_is_recorded_on_the_timeline_and_goes_out_live(items, coordinator):
    mission = activated_mission(coordinator)
    referrer = factories.make_referrer(mission.referring_hospital)

    with capture_live_messages() as sent:
        result = services.tick_item(
            mission_id=mission.pk, actor=referrer, item_id=_item("blood").pk, done=True, value=4, source=EventSource.WEB
        )

    assert result.event.kind == "preparation.ticked"
    assert result.event.payload == {
        "item": "blood", "label": "Cross-matched blood ready", "done": True, "value": 4, "done_count": 1,
        "total": len(items),
    }
    assert [(m.kind, m.mission_id) for m in sent] == [("preparation.ticked", mission.pk)]
    assert sent[0].message["mission"]["preparation"]["done"] == 1
    assert presenters.event_label(result.event) == "Preparation: Cross-matched blood ready (4) ✓"


def test_the_same_tick_twice_records_one_event(items, coordinator):
    mission = activated_mission(coordinator)
    tick = {"mission_id": mission.pk, "actor": coordinator, "item_id": _item("chest_xray").pk, "done": True,
            "value": None, "source": EventSource.WEB}

    services.tick_item(**tick)
    second = services.tick_item(**tick)

    assert second.event is None
    assert MissionEvent.objects.filter(mission=mission, kind="preparation.ticked").count() == 1


def test_the_summary_shows_progress_only_once_there_is_a_checklist(items, coordinator):
    waiting = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    mission = activated_mission(coordinator)
    services.tick_item(mission_id=mission.pk, actor=coordinator, item_id=_item("labs").pk, done=True, value=None,
                       source=EventSource.WEB)

    summaries = presenters.mission_summaries([waiting, mission])

    assert summaries[waiting.pk]["preparation"] is None
    assert summaries[mission.pk]["preparation"] == {
        "done": 1, "total": len(items), "url": f"/missions/{mission.pk}/preparation/",
    }


def _loaded(missions) -> list:
    """As the board reads them: with their hospitals (`mission_summaries` expects them loaded)."""
    return list(Mission.objects.select_related("referring_hospital", "receiving_centre").filter(
        pk__in=[m.pk for m in missions]))


def test_progress_of_many_missions_costs_one_query(items, coordinator):
    two = [activated_mission(coordinator) for _ in range(2)]
    with CaptureQueriesContext(connection) as for_two:
        presenters.mission_summaries(_loaded(two))
    six = two + [activated_mission(coordinator) for _ in range(4)]

    with CaptureQueriesContext(connection) as for_six:
        summaries = presenters.mission_summaries(_loaded(six))

    assert len(for_six) == len(for_two)
    assert all(s["preparation"]["total"] == len(items) for s in summaries.values())


def test_missions_never_activated_cost_no_query_for_progress(items, django_assert_num_queries):
    missions = [factories.MissionFactory(status=MissionStatus.UNDER_REVIEW) for _ in range(3)]

    with django_assert_num_queries(0):
        assert preparation_progress(missions) == {}


def test_a_transition_of_a_mission_without_checklist_texts_nobody(items, coordinator):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY, team_activated_at=timezone.now())

    transition_mission(mission_id=mission.pk, to_status=MissionStatus.EN_ROUTE_OUT, actor=coordinator,
                       source=EventSource.WEB, transport_mode="road")

    assert not Notification.objects.filter(purpose=Purpose.PREPARATION).exists()
