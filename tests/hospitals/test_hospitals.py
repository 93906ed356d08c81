import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hospitals.models import Hospital, HospitalKind
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_reference_hospitals_are_loaded_with_one_ecmo_centre():
    assert Hospital.objects.filter(kind=HospitalKind.ECMO_CENTRE).get().code == "UKCL"
    assert Hospital.objects.count() == 14


@pytest.mark.parametrize(("field", "value"), [("latitude", 91), ("latitude", -91), ("longitude", 181)])
def test_coordinates_out_of_range_fail_validation(field, value):
    hospital = factories.HospitalFactory.build(**{field: value})

    with pytest.raises(ValidationError) as excinfo:
        hospital.full_clean()

    assert field in excinfo.value.message_dict


def test_database_refuses_coordinates_out_of_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.HospitalFactory(latitude=120)


def test_icu_phone_must_be_e164():
    hospital = factories.HospitalFactory.build(icu_phone="01 522 0000")

    with pytest.raises(ValidationError) as excinfo:
        hospital.full_clean()

    assert "icu_phone" in excinfo.value.message_dict


def test_hospital_list_and_detail(coordinator_api):
    listing = coordinator_api.get("/api/v1/hospitals/")
    maribor = next(h for h in listing.data if h["code"] == "UKCM")
    detail = coordinator_api.get(f"/api/v1/hospitals/{maribor['id']}/")

    assert listing.status_code == 200
    assert detail.data["name"] == "UKC Maribor"
    assert detail.data["latitude"] == pytest.approx(46.551)


def test_unknown_hospital_is_a_404(coordinator_api):
    assert coordinator_api.get("/api/v1/hospitals/999999/").status_code == 404
