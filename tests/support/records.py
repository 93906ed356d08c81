"""Missions walked through the real services with known times (the record's tests, unit and browser)."""

from datetime import datetime, timedelta

from dispatch.models import EventSource, Mission, MissionStatus, Sex, Support
from dispatch.referrals.services import submit_referral
from dispatch.services.missions import transition_mission
from tests.support import factories
from tests.support.missions import facts_for

S = MissionStatus
# A primary VV retrieval: each step and its minutes after the first call.
PRIMARY_PATH = (
    (S.UNDER_REVIEW, 3),
    (S.TEAM_ACTIVATED, 15),
    (S.TEAM_READY, 40),
    (S.EN_ROUTE_OUT, 50),
    (S.ON_SITE, 110),
    (S.CANNULATING, 120),
    (S.ON_ECMO, 165),
    (S.EN_ROUTE_BACK, 215),
    (S.ARRIVED, 295),
    (S.COMPLETED, 310),
)
# Severe ARDS, as the referral arrives.
CLINICAL = {"pao2_mmhg": 60.0, "fio2": 1.0, "peep_cmh2o": 14.0, "compliance_ml_cmh2o": 25.0, "cxr_quadrants": 4}


def refer(referrer, *, started: datetime, clinical: dict | None = None, **mission) -> Mission:
    """A VV referral from the referrer's hospital, first called at `started`."""
    referral = submit_referral(
        created_by=referrer,
        referring_hospital=referrer.profile.hospital,
        support=Support.VV,
        patient_age=45,
        patient_sex=Sex.MALE,
        patient_weight_kg=80,
        referring_physician="Dr. Kovač",
        callback_phone="+38641222333",
        clinical_values=dict(CLINICAL if clinical is None else clinical),
        source=EventSource.WEB,
        occurred_at=started,
        **mission,
    )
    return referral.mission


def move(mission: Mission, to: str, actor, at: datetime, **facts) -> Mission:
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    result = transition_mission(
        mission_id=mission.pk,
        to_status=to,
        actor=actor,
        source=EventSource.API,
        occurred_at=at,
        **{**facts_for(current, to), **facts},
    )
    return result.mission


def walk(mission: Mission, actor, started: datetime, path=PRIMARY_PATH, **facts) -> Mission:
    for to, minutes in path:
        mission = move(mission, to, actor, started + timedelta(minutes=minutes), **facts.get(to, {}))
    return mission




def completed_mission(referrer, coordinator, started: datetime) -> Mission:
    """A primary mission from the referrer's hospital, handed over on ECMO, with a physician and a perfusionist."""
    mission = refer(referrer, started=started)
    for member in (factories.make_team_member(), factories.make_team_member("perfusionist")):
        factories.assign(mission, member)
    return walk(mission, coordinator, started)
