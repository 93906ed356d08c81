"""Pages: each role lands on its page, and nobody sees a mission they may not see."""

import pytest

from dispatch import statuses
from dispatch.models import MissionStatus
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def missions(db):
    return {
        "own": factories.MissionFactory(referring_hospital=factories.regional_hospital("SBMS")),
        "other": factories.MissionFactory(referring_hospital=factories.regional_hospital("SBCE")),
    }


def _client(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client):
    assert client.get("/board/").url.startswith("/login/")


def test_coordinator_home_is_the_board(client, coordinator):
    assert _client(client, coordinator).get("/").url == "/board/"


def test_team_member_home_is_the_phone_page(client, team_member):
    assert _client(client, team_member).get("/").url == "/team/"


def test_referrer_home_lists_only_their_hospitals_missions(client, referrer, missions):
    body = _client(client, referrer).get("/").content.decode()

    assert missions["own"].code in body and f"/missions/{missions['own'].pk}/" in body
    assert missions["other"].code not in body


@pytest.mark.parametrize("who", ["referrer", "team_member"])
def test_board_is_for_coordinators_only(client, who, request):
    assert _client(client, request.getfixturevalue(who)).get("/board/").status_code == 403


def test_phone_page_is_not_for_referrers(client, referrer):
    assert _client(client, referrer).get("/team/").status_code == 403


def test_board_page_carries_its_live_settings(client, coordinator):
    response = _client(client, coordinator).get("/board/")

    assert response.context["live"]["stream"] == "/ws/board/"
    assert response.context["live"]["expectedMinutes"] == statuses.EXPECTED_PHASE_MINUTES


def test_board_overdue_limits_take_the_operators_overrides(client, coordinator, settings):
    settings.BOARD_PHASE_EXPECTED_MINUTES = {"requested": 7}

    limits = _client(client, coordinator).get("/board/").context["live"]["expectedMinutes"]

    assert limits == {**statuses.EXPECTED_PHASE_MINUTES, "requested": 7}


def test_timeline_of_another_hospitals_mission_is_404(client, referrer, missions):
    assert _client(client, referrer).get(f"/missions/{missions['other'].pk}/").status_code == 404


def test_timeline_shows_events_and_resumes_after_the_last(client, referrer, coordinator, missions):
    from dispatch.models import EventSource
    from dispatch.services.missions import transition_mission

    result = transition_mission(
        mission_id=missions["own"].pk, to_status=MissionStatus.UNDER_REVIEW, actor=coordinator, source=EventSource.WEB
    )

    response = _client(client, referrer).get(f"/missions/{missions['own'].pk}/")

    assert response.status_code == 200
    events = response.context["live"]["events"]
    assert [(e["sequence"], e["label"]) for e in events] == [(result.event.sequence, "Under review")]
    assert response.context["live"]["after"] == result.event.sequence


def test_coordinator_gets_decision_buttons_for_a_mission_under_review(client, coordinator):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    response = _client(client, coordinator).get(f"/missions/{mission.pk}/")

    assert 'id="coordinator-actions"' in response.content.decode()
    assert response.context["live"]["mission"]["allowed_transitions"] == sorted(
        ["team_activated", "conventional_transfer", "advice_given", "declined", "cancelled"]
    )


def test_referrer_gets_no_decision_buttons(client, referrer, missions):
    body = _client(client, referrer).get(f"/missions/{missions['own'].pk}/").content.decode()

    assert "coordinator-actions" not in body


def test_referrer_home_offers_a_new_referral(client, referrer):
    body = _client(client, referrer).get("/").content.decode()

    assert "/referrals/new/" in body


def test_mission_page_shows_outbound_and_return_estimates(client, coordinator):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    body = _client(client, coordinator).get(f"/missions/{mission.pk}/").content.decode()

    assert "Team to patient" in body and "Patient to centre" in body
    assert 'data-mode="road"' in body and "(recommended)" in body


def test_mission_page_shows_the_expected_arrival_while_the_team_travels(client, coordinator):
    from django.utils import timezone

    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=timezone.now())

    body = _client(client, coordinator).get(f"/missions/{mission.pk}/").content.decode()

    assert 'id="expected-arrival"' in body and "estimate from departure" in body


def test_mission_page_still_opens_when_no_travel_estimate_can_be_made(client, coordinator):
    from unittest import mock

    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    with (
        mock.patch("dispatch.presenters.missions_travel", side_effect=RuntimeError("router down")),
        mock.patch("dispatch.presenters.mission_travel", side_effect=RuntimeError("router down")),
    ):
        response = _client(client, coordinator).get(f"/missions/{mission.pk}/")

    assert response.status_code == 200 and "Travel estimate unavailable" in response.content.decode()


def test_mission_timeline_names_the_actor_by_full_name(client, coordinator):
    from dispatch.models import EventSource
    from dispatch.services.missions import transition_mission

    actor = factories.make_coordinator(first_name="Petra", last_name="Novak")
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.UNDER_REVIEW, actor=actor, source=EventSource.WEB)

    events = _client(client, coordinator).get(f"/missions/{mission.pk}/").context["live"]["events"]

    assert events[-1]["actor"] == "Petra Novak"


def test_phone_page_offers_the_next_phase_of_each_status(client, team_member):
    next_phase = _client(client, team_member).get("/team/").context["live"]["nextPhase"]

    assert next_phase["primary"][MissionStatus.TEAM_READY] == {"to": MissionStatus.EN_ROUTE_OUT, "label": "Departed"}
    assert next_phase["secondary"][MissionStatus.ON_SITE]["label"] == "Circuit taken over"
    assert set(next_phase["primary"]) == set(statuses.TEAM_NEXT_PHASE)



def test_referrer_gets_no_adverse_event_form_and_no_correction(client, referrer, missions):
    response = _client(client, referrer).get(f"/missions/{missions['own'].pk}/")
    body = response.content.decode()

    assert 'id="adverse-form"' not in body and 'id="correction-form"' not in body
    assert response.context["live"]["mayReport"] is False


def test_team_member_on_the_mission_may_report_an_adverse_event_but_not_decide(client, team_member):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)
    factories.assign(mission, team_member)

    body = _client(client, team_member).get(f"/missions/{mission.pk}/").content.decode()

    assert 'id="adverse-form"' in body
    assert 'id="coordinator-actions"' not in body


def test_coordinator_page_offers_undo_correction_and_the_words_its_script_writes(client, coordinator):
    from dispatch.models import MissionKind

    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, kind=MissionKind.SECONDARY)

    response = _client(client, coordinator).get(f"/missions/{mission.pk}/")
    body, live = response.content.decode(), response.context["live"]

    assert 'id="undo-form"' in body and 'id="correction-form"' in body
    assert '<option value="review_started_at">Review started</option>' in body
    assert live["kindBadges"]["secondary"] == "Secondary: on ECMO"
    assert live["texts"]["busyOn"] == "busy on {code}"
    assert live["nextPhase"]["secondary"][MissionStatus.ON_SITE]["label"] == "Circuit taken over"
    assert set(live["fieldLabels"]) >= set(live["correctable"])


def test_board_carries_the_words_of_its_cards(client, coordinator):
    live = _client(client, coordinator).get("/board/").context["live"]

    assert live["texts"]["patientExpected"].startswith("Patient expected")
    assert live["coverageStateLabels"]["uncovered"] == "NOBODY ACCEPTED"
    assert "advice_given" in live["closed"]


def _nav_links(html: str) -> set[str]:
    import re

    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'<a href="([^"]+)"', nav))


def test_the_coordinators_top_bar_reaches_quality_and_the_roster(client, coordinator):
    links = _nav_links(_client(client, coordinator).get("/board/").content.decode())
    assert {"/quality/", "/roster/"} <= links
    assert "/board/" not in links  # no link to the page you are on


def test_a_referrers_top_bar_has_their_work_and_nothing_of_the_centre(client, db):
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    links = _nav_links(_client(client, referrer).get("/referrals/new/").content.decode())
    assert {"/", "/quality/"} <= links
    assert not links & {"/board/", "/roster/", "/team/"}
