"""Factories for test data. They may bypass services to put a mission in any state."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dispatch.models import Mission, MissionAssignment, MissionStatus, Profile, Role, Sex, Support, TeamRole
from hospitals.models import Hospital, HospitalKind


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    name = factory.Sequence(lambda n: f"Test Hospital {n}")
    code = factory.Sequence(lambda n: f"TH{n:03d}")
    kind = HospitalKind.REGIONAL
    city = "Testville"
    latitude = 46.0
    longitude = 14.5
    has_helipad = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw-for-tests-123")


def make_user(
    role: str | None = None, *, team_role: str = "", phone: str = "", hospital=None, language: str = "en", **kwargs
):
    """A user with one role (group) and profile, as the service expects them.

    English unless a test asks for Slovene (`language="sl"`, the service's own default): the
    suite reads English texts; tests/i18n checks the Slovene ones.
    """
    user = UserFactory(**kwargs)
    if role:
        user.groups.add(Group.objects.get(name=role))
    Profile.objects.create(user=user, team_role=team_role, phone=phone, hospital=hospital, language=language)
    return user


def make_coordinator(**kwargs):
    return make_user(Role.COORDINATOR, **kwargs)


_phone_counter = iter(range(10_000, 99_999))


def make_team_member(team_role: str = TeamRole.ECMO_PHYSICIAN, **kwargs):
    kwargs.setdefault("phone", f"+386411{next(_phone_counter):05d}")
    return make_user(Role.TEAM_MEMBER, team_role=team_role, **kwargs)


def make_referrer(hospital: Hospital, **kwargs):
    return make_user(Role.REFERRER, hospital=hospital, **kwargs)


def regional_hospital(code: str = "SBMS") -> Hospital:
    return Hospital.objects.get(code=code)


def ecmo_centre() -> Hospital:
    return Hospital.objects.get(code="UKCL")


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    code = factory.Sequence(lambda n: f"ECMO-TEST-{n:05d}")
    referring_hospital = factory.LazyFunction(regional_hospital)
    receiving_centre = factory.LazyFunction(ecmo_centre)
    support = Support.VV
    status = MissionStatus.REQUESTED
    patient_age = 45
    patient_sex = Sex.MALE
    patient_weight_kg = 80
    referring_physician = "Dr. Test"
    callback_phone = "+38641000000"
    required_roles = factory.LazyFunction(lambda: list(TeamRole.values))
    created_by = factory.SubFactory(UserFactory)


def assign(mission: Mission, member, team_role: str | None = None) -> MissionAssignment:
    return MissionAssignment.objects.create(
        mission=mission, member=member, team_role=team_role or member.profile.team_role
    )
