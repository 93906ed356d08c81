"""The cached estimate matrix: same answers as the model, served from the cache, never stale."""

from datetime import UTC, datetime

import pytest

from hospitals import matrix, selectors, tasks
from hospitals.models import Hospital
from hospitals.travel import MODES, TravelParams, estimate
from tests.fakes.osrm_server import FakeOsrm

SUMMER_MORNING = datetime(2024, 6, 21, 8, 0, tzinfo=UTC)
WINTER_NIGHT = datetime(2024, 12, 21, 21, 0, tzinfo=UTC)
# Ljubljana, 2024-12-21: civil dusk about 15:54 UTC; a 16:00 trip lands in the dark.
WINTER_DUSK = datetime(2024, 12, 21, 15, 25, tzinfo=UTC)


@pytest.fixture
def osrm():
    with FakeOsrm() as server:
        yield server


@pytest.fixture
def with_osrm(osrm, settings):
    settings.OSRM_URL = osrm.url
    # Generous: the fake serves from a thread of this process, which a busy machine can starve,
    # and a timed-out request would fall back (and be recorded late), not test what it says.
    settings.OSRM_TIMEOUT_S = 10
    osrm.respond_route(distance_m=150_000, duration_s=6_000)
    return osrm


def _direct(origin: Hospital, destination: Hospital, at: datetime) -> dict:
    pads = selectors.helipads()
    a, b = selectors.place_of(origin), selectors.place_of(destination)
    return {mode: estimate(a, b, mode, params=TravelParams(), helipads=pads, at=at).to_dict() for mode in MODES}


@pytest.mark.django_db
@pytest.mark.parametrize("at", [SUMMER_MORNING, WINTER_NIGHT, WINTER_DUSK], ids=["day", "night", "dusk"])
@pytest.mark.parametrize(("origin", "destination"), [("UKCL", "SBMS"), ("SBTR", "UKCL"), ("UKCL", "SBNG")])
def test_cached_estimates_equal_the_model_at_any_time(origin, destination, at):
    a, b = Hospital.objects.get(code=origin), Hospital.objects.get(code=destination)

    first = selectors.travel_between(a, b, at)  # computes and caches
    second = selectors.travel_between(a, b, at)  # from the cache, night rule applied on read

    assert first["estimates"] == second["estimates"] == _direct(a, b, at)


@pytest.mark.django_db
def test_dusk_departure_loses_the_helicopter_that_a_day_departure_has():
    a, b = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBMS")
    selectors.travel_between(a, b, SUMMER_MORNING)

    at_dusk = selectors.travel_between(a, b, WINTER_DUSK)

    assert at_dusk["estimates"]["helicopter"]["available"] is False
    assert "night at landing" in at_dusk["estimates"]["helicopter"]["unavailable_reason"]


@pytest.mark.django_db
def test_second_read_is_served_from_the_cache(with_osrm):
    a, b = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBMS")

    selectors.travel_between(a, b)
    selectors.travel_between(a, b)

    assert len(with_osrm.requests) == 1


@pytest.mark.django_db
def test_changed_hospital_is_estimated_again_not_served_stale(with_osrm):
    centre, hospital = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBMS")
    selectors.travel_between(centre, hospital)

    hospital.latitude, hospital.longitude = 46.5, 16.0
    hospital.save()
    selectors.travel_between(centre, hospital)

    assert len(with_osrm.requests) == 2
    assert with_osrm.requests[1].coordinates[1] == (16.0, 46.5)


@pytest.mark.django_db
def test_new_helipad_changes_the_helicopter_estimate_of_other_hospitals():
    centre, trbovlje = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBTR")
    before = selectors.travel_between(centre, trbovlje, SUMMER_MORNING)["estimates"]["helicopter"]

    trbovlje.has_helipad = True
    trbovlje.save()
    after = selectors.travel_between(centre, trbovlje, SUMMER_MORNING)["estimates"]["helicopter"]

    assert not any(leg["kind"] == "ground" for leg in after["legs"])
    assert after != before


@pytest.mark.django_db
def test_osrm_fallback_is_cached_only_briefly(osrm, settings):
    settings.OSRM_URL = osrm.url
    settings.TRAVEL_CACHE_FALLBACK_TTL_S = 0  # expire at once: the next read asks OSRM again
    osrm.respond_status(500)
    a, b = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBMS")

    first = selectors.travel_between(a, b)
    selectors.travel_between(a, b)

    assert first["estimates"]["road"]["fallback_reason"] == "OSRM HTTP 500"
    assert len(osrm.requests) == 2


@pytest.mark.django_db
def test_hospital_saves_queue_one_recompute_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.recompute_travel_matrix, "delay", lambda: queued.append(1))
    matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)
    hospital = Hospital.objects.get(code="SBMS")

    with django_capture_on_commit_callbacks(execute=True):
        hospital.save()
        hospital.save()
        assert queued == []  # nothing before commit

    assert queued == [1]
    matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)


@pytest.mark.django_db
def test_hospital_delete_queues_a_recompute(monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.recompute_travel_matrix, "delay", lambda: queued.append(1))
    matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)
    hospital = Hospital.objects.create(
        code="TDEL", name="To delete", kind="regional", city="X", latitude=46, longitude=15
    )
    matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        hospital.delete()

    assert queued == [1]
    matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)


@pytest.mark.django_db
def test_recompute_warms_every_pair_of_the_matrix(with_osrm):
    pairs = matrix.matrix_pairs()

    count = tasks.recompute_travel_matrix()
    read = selectors.travel_between(Hospital.objects.get(code="SBJE"), Hospital.objects.get(code="UKCM"))

    # 3 centres × 11 regional hospitals × 2 directions + 3 × 2 centre-to-centre legs
    assert count == len(pairs) == 3 * 11 * 2 + 6
    assert read["estimates"]["road"]["fallback_reason"] is None
    assert len(with_osrm.requests) == len(pairs)  # the read above came from the warmed cache


@pytest.mark.django_db
def test_estimates_still_come_when_the_cache_is_down(monkeypatch):
    class BrokenCache:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(matrix, "travel_cache", lambda: BrokenCache())

    result = selectors.travel_between(Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBMS"))

    assert result["estimates"]["road"]["available"] is True


@pytest.mark.django_db
def test_the_helipad_list_is_read_once_per_process(django_assert_num_queries):
    matrix.helipads()

    with django_assert_num_queries(0):
        matrix.helipads()


@pytest.mark.django_db
def test_a_helipad_added_by_another_process_is_seen_at_the_next_estimate():
    centre, trbovlje = Hospital.objects.get(code="UKCL"), Hospital.objects.get(code="SBTR")
    before = selectors.travel_between(centre, trbovlje, SUMMER_MORNING)["estimates"]["helicopter"]
    # Another process saved it (no signal here) and, on commit, moved the shared generation on.
    Hospital.objects.filter(pk=trbovlje.pk).update(has_helipad=True)
    matrix.travel_cache().set(matrix.HOSPITALS_GENERATION_KEY, "another-process", timeout=None)
    trbovlje.refresh_from_db()

    after = selectors.travel_between(centre, trbovlje, SUMMER_MORNING)["estimates"]["helicopter"]

    assert not any(leg["kind"] == "ground" for leg in after["legs"])
    assert after != before
