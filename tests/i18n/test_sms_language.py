"""SMS and calls in each reader's language: the member's Profile.language, the referring doctor's
for the callback phone, else the service's (Slovene). Replies DA/NE, 1/2 and YES/NO always work."""

import pytest

import config.settings
from dispatch.models import MissionStatus, Role, TeamRole
from dispatch.notifications import texts
from dispatch.notifications.models import Purpose
from dispatch.notifications.services import delivery, inbound
from tests.support import factories
from tests.support.paging import activate, on_call, phone_of


@pytest.fixture
def service_default(settings):
    """The service's own default language (the suite otherwise reads English: tests/conftest.py)."""
    settings.LANGUAGE_CODE = config.settings.LANGUAGE_CODE


def test_one_activation_pages_each_member_in_their_own_language(twilio):
    physician = on_call(TeamRole.ECMO_PHYSICIAN, language="sl")
    perfusionist = on_call(TeamRole.PERFUSIONIST, language="en")
    mission = activate(roles=(TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST))

    slovene = twilio.phone(phone_of(physician)).expect_sms(contains=mission.code).last_sms.body
    english = twilio.phone(phone_of(perfusionist)).expect_sms(contains=mission.code).last_sms.body

    assert "Pozvani ste kot Zdravnik ECMO" in slovene and "Odgovorite 1 za sprejem, 2 za zavrnitev" in slovene
    assert "You are" not in slovene and "Reply" not in slovene
    assert "You are paged as Perfusionist" in english and "Reply 1 to accept, 2 to decline" in english


def test_a_slovene_member_answers_da_and_is_confirmed_in_slovene(twilio):
    physician = on_call(language="sl")
    mission = activate()
    phone = twilio.phone(phone_of(physician)).expect_sms(contains=mission.code)
    phone.reply("DA").expect_sms(contains=f"Potrjeno: na {mission.code} ste Zdravnik ECMO")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_READY


def test_the_call_speaks_the_members_language(twilio):
    slovene_member = on_call(TeamRole.ECMO_PHYSICIAN, language="sl")
    english_member = on_call(TeamRole.PERFUSIONIST, language="en")
    mission = activate(roles=(TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST))
    spoken_code = mission.code.replace("-", " ")

    call = twilio.phone(phone_of(slovene_member)).expect_call(timeout=8)
    call.says(f"ECMO poziv. {spoken_code}").says("Pozvani ste kot Zdravnik ECMO").says("Pritisnite 1 za sprejem.")
    call.press("1").says(f"Potrjeni ste kot Zdravnik ECMO za intervencijo {spoken_code}").wait_ended()

    english = twilio.phone(phone_of(english_member)).expect_call(timeout=8)
    english.says("ECMO alert.").says("You are paged as Perfusionist").says("Press 1 to accept.")
    english.press("2").says("You declined").wait_ended()


@pytest.mark.django_db
def test_a_stand_down_worded_once_reaches_each_person_in_their_language():
    mission = factories.MissionFactory(status=MissionStatus.CANCELLED)
    body = texts.stand_down_message(mission, to_status=MissionStatus.CANCELLED, outcome="patient_died")
    slovene, english = factories.make_team_member(language="sl"), factories.make_team_member(language="en")
    sent = {
        person.profile.language: delivery.queue_message(
            purpose=Purpose.STAND_DOWN, to_number=phone_of(person), body=body, mission=mission, recipient=person
        ).body
        for person in (slovene, english)
    }
    assert sent == {
        "sl": f"{mission.code}: PREKLIC. Intervencija preklicana (Bolnik je umrl). Niste več potrebni. Hvala.",
        "en": f"{mission.code}: STAND DOWN. Mission cancelled (Patient died). You are not needed. Thank you.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("referred_by", "expected"),
    [
        (dict(role=Role.REFERRER, language="en"), "ECMO centre, "),
        (dict(role=Role.REFERRER, language="sl"), "ECMO center, "),
        (dict(role=Role.COORDINATOR, language="en"), "ECMO center, "),  # typed in for the ICU: Slovene
    ],
)
def test_the_referring_icu_is_texted_in_the_referring_doctors_language(service_default, referred_by, expected):
    creator = factories.make_user(referred_by["role"], language=referred_by["language"])
    mission = factories.MissionFactory(
        status=MissionStatus.ADVICE_GIVEN, callback_phone="+38641555123", created_by=creator
    )
    sms = delivery.queue_message(
        purpose=Purpose.REVIEW_DUE,
        to_number="+38641555123",
        body=texts.review_due_for_referrer(mission),
        mission=mission,
    )
    assert sms.body.startswith(expected + mission.code)


@pytest.mark.django_db
def test_a_drill_page_says_vaja_in_slovene():
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED, is_drill=True)
    page = texts.alert_message(mission, TeamRole.NURSE)
    assert texts.worded_in("sl", page).startswith(f"VAJA: {mission.code}")
    assert texts.worded_in("en", page).startswith(f"DRILL: {mission.code}")


@pytest.mark.django_db
def test_a_number_nobody_owns_is_answered_in_slovene(service_default):
    answer = inbound.handle_inbound_sms(from_number="+38640999888", body="DA")
    assert answer == "ECMO Dispatch: ta številka ni prijavljena za pozivanje ekipe. Pokličite ECMO center."


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["NE", "2", "no"])
def test_every_decline_word_is_understood_in_slovene(word):
    member = factories.make_team_member(language="sl")
    answer = inbound.handle_inbound_sms(from_number=phone_of(member), body=word)
    assert answer == "ECMO Dispatch: nimate odprtega poziva."  # understood as an answer; no page open
